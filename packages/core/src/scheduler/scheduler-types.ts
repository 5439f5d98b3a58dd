/**
 * Data the instance scheduler works on. Pure values: the server builds them from
 * the database (or keeps them in a CapacityIndex) and the scheduler never does I/O.
 */

import { hostStates, type HostState } from '../lifecycle/lifecycle-states.ts';
import type { HostHypervisor, InstanceType } from '../lifecycle/instance-type.ts';

export type SchedulerHypervisor = HostHypervisor;
/** A host's liveness, folded with its admin state: a host that is not enabled is as unplaceable as one that is not up. */
export const schedulerHostStates = [...hostStates, 'maintenance', 'disabled'] as const;
export type SchedulerHostState = HostState | 'maintenance' | 'disabled';

/** A primary storage pool as seen from one host. Sizes in GiB. */
export interface SchedulerPool {
  id: string;
  /** `local` belongs to one host; `shared` is mounted on every host of a cluster. */
  kind: 'local' | 'shared';
  capacityGiB: number;
  /** Sum of the disk sizes placed on the pool. */
  allocatedGiB: number;
  /** Thin-provisioning factor: room is capacityGiB * overcommit - allocatedGiB. */
  overcommit: number;
}

export interface SchedulerHost {
  id: string;
  zoneId: string;
  podId: string;
  clusterId: string;
  hypervisor: SchedulerHypervisor;
  /** Only `up` hosts take new instances. */
  state: SchedulerHostState;
  /** Physical CPUs (threads) of the host. */
  cpus: number;
  /** Physical memory of the host, MiB. */
  memoryMiB: number;
  /** Sum of the vCPUs reserved by the instances placed on the host. */
  cpuAllocated: number;
  /** Sum of the memory reserved by the instances placed on the host, MiB. */
  memoryAllocatedMiB: number;
  /** From the cluster: room is cpus * cpuOvercommit - cpuAllocated. */
  cpuOvercommit: number;
  /** From the cluster: room is memoryMiB * memoryOvercommit - memoryAllocatedMiB. */
  memoryOvercommit: number;
  tags: string[];
  /** Host reserved for one account (CloudStack dedicated resources); null = shared by all. */
  dedicatedAccountId: string | null;
  /** Local pools of the host plus the shared pools of its cluster. */
  pools: SchedulerPool[];
}

export interface AffinityGroup {
  id: string;
  /**
   * `affinity`: the new instance must land on a host of `hostIds` (when the group
   * has no member yet, `hostIds` is empty and the group constrains nothing).
   * `anti-affinity`: the new instance must not land on any host of `hostIds`.
   */
  policy: 'affinity' | 'anti-affinity';
  /** Hosts of the group's current members. */
  hostIds: string[];
}

export interface PlacementRequest {
  accountId: string;
  vcpus: number;
  memoryMiB: number;
  rootDiskGiB: number;
  zoneId: string;
  podId?: string;
  clusterId?: string;
  hypervisor?: SchedulerHypervisor;
  /** A VM or a container: only hosts whose hypervisor runs it (hypervisorRuns). Absent: a VM. */
  instanceType?: InstanceType;
  /** The host must carry every one of these tags. */
  hostTags: string[];
  affinityGroups: AffinityGroup[];
  /** Hosts never to use, e.g. hosts where a start already failed. */
  excludeHostIds: string[];
  /**
   * The account owns dedicated hosts. Then ONLY that account's dedicated hosts
   * are candidates (strict dedication): when they are full the placement fails,
   * it never spills over to shared hosts. Shared hosts are candidates only for
   * accounts without dedicated hosts; a dedicated host never takes another
   * account's instance.
   */
  accountHasDedicatedHosts: boolean;
  /** `spread`: most free memory first. `pack`: least free first (fill hosts). */
  strategy: 'spread' | 'pack';
}

/** The filters, in the order they run. */
export const placementFilterNames = [
  'zone',
  'pod',
  'cluster',
  'hypervisor',
  'host-state',
  'dedication',
  'host-tags',
  'exclude',
  'affinity',
  'anti-affinity',
  'cpu',
  'memory',
  'pool',
] as const;

export type PlacementFilterName = (typeof placementFilterNames)[number];

/** How many hosts reached a filter and how many it removed. */
export interface PlacementFilterCount {
  filter: PlacementFilterName;
  before: number;
  removed: number;
}

export interface PlacementCandidate {
  hostId: string;
  /** The pool of the host with the most free room for the root disk. */
  poolId: string;
  /**
   * Primary weight, higher is better: the free memory ratio after placement for
   * `spread`, the used memory ratio after placement for `pack`. Candidates with
   * equal scores are ordered by the CPU ratio (same direction), then host id.
   */
  score: number;
}

export type PlacementResult =
  | { ok: true; candidates: PlacementCandidate[] }
  | { ok: false; message: string; filters: PlacementFilterCount[] };

/** How many candidates a placement returns unless told otherwise. */
export const defaultPlacementLimit = 5;
