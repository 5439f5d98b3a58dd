import type {
  PlacementFilterName,
  PlacementRequest,
  SchedulerHost,
  SchedulerPool,
} from './scheduler-types.ts';
import { hypervisorRuns } from '../lifecycle/instance-type.ts';
import { placementFilterNames } from './scheduler-types.ts';

/** What the filters need from a request, prepared once per placement. */
export interface FilterContext {
  request: PlacementRequest;
  excluded: ReadonlySet<string>;
  /** One set per affinity group that already has members: the host must be in each. */
  affinityHostSets: ReadonlyArray<ReadonlySet<string>>;
  /** Union of the hosts of every anti-affinity group. */
  antiAffinityHosts: ReadonlySet<string>;
}

export function makeFilterContext(request: PlacementRequest): FilterContext {
  const affinityHostSets: Set<string>[] = [];
  const antiAffinityHosts = new Set<string>();
  for (const group of request.affinityGroups) {
    if (group.policy === 'affinity') {
      if (group.hostIds.length > 0) affinityHostSets.push(new Set(group.hostIds));
    } else {
      for (const id of group.hostIds) antiAffinityHosts.add(id);
    }
  }
  return { request, excluded: new Set(request.excludeHostIds), affinityHostSets, antiAffinityHosts };
}

/**
 * The pool of the host with the most free room (capacity * overcommit - allocated)
 * that still holds `diskGiB`; ties go to the smaller pool id. undefined if none.
 */
export function choosePool(pools: readonly SchedulerPool[], diskGiB: number): SchedulerPool | undefined {
  let best: SchedulerPool | undefined;
  let bestRoom = 0;
  for (const pool of pools) {
    const room = pool.capacityGiB * pool.overcommit - pool.allocatedGiB;
    if (room < diskGiB) continue;
    if (best === undefined || room > bestRoom || (room === bestRoom && pool.id < best.id)) {
      best = pool;
      bestRoom = room;
    }
  }
  return best;
}

/** Dedication rule (CloudStack dedicated resources, strict). */
export function dedicationAllows(dedicatedAccountId: string | null, request: PlacementRequest): boolean {
  if (request.accountHasDedicatedHosts) return dedicatedAccountId === request.accountId;
  return dedicatedAccountId === null || dedicatedAccountId === request.accountId;
}

export interface HostFilter {
  name: PlacementFilterName;
  passes(host: SchedulerHost, ctx: FilterContext): boolean;
}

const predicates: Record<PlacementFilterName, HostFilter['passes']> = {
  zone: (h, { request }) => h.zoneId === request.zoneId,
  pod: (h, { request }) => request.podId === undefined || h.podId === request.podId,
  cluster: (h, { request }) => request.clusterId === undefined || h.clusterId === request.clusterId,
  hypervisor: (h, { request }) => (request.hypervisor === undefined || h.hypervisor === request.hypervisor) && hypervisorRuns(h.hypervisor, request.instanceType ?? 'vm'),
  'host-state': (h) => h.state === 'up',
  dedication: (h, { request }) => dedicationAllows(h.dedicatedAccountId, request),
  'host-tags': (h, { request }) => request.hostTags.every((tag) => h.tags.includes(tag)),
  exclude: (h, { excluded }) => !excluded.has(h.id),
  affinity: (h, { affinityHostSets }) => affinityHostSets.every((set) => set.has(h.id)),
  'anti-affinity': (h, { antiAffinityHosts }) => !antiAffinityHosts.has(h.id),
  cpu: (h, { request }) => h.cpus * h.cpuOvercommit - h.cpuAllocated >= request.vcpus,
  memory: (h, { request }) => h.memoryMiB * h.memoryOvercommit - h.memoryAllocatedMiB >= request.memoryMiB,
  pool: (h, { request }) => choosePool(h.pools, request.rootDiskGiB) !== undefined,
};

/** The filters in the order they run; a host is counted against the first one it fails. */
export const hostFilters: readonly HostFilter[] = placementFilterNames.map((name) => ({
  name,
  passes: predicates[name],
}));
