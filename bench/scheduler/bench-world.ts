/**
 * A realistic synthetic cloud for the scheduler bench: zones > pods > clusters >
 * hosts of a few hardware profiles, local + shared pools, some tagged, dedicated
 * or unavailable hosts, and a request stream drawn from a small offering set.
 */
import type {
  AffinityGroup,
  PlacementRequest,
  SchedulerHost,
  SchedulerPool,
} from '../../packages/core/src/scheduler/index.ts';
import { pick, randomInt } from '../../packages/core/src/scheduler/scheduler-test-fixtures.ts';

type Random = () => number;

const hostProfiles = [
  { cpus: 32, memoryGiB: 128 },
  { cpus: 48, memoryGiB: 256 },
  { cpus: 64, memoryGiB: 384 },
  { cpus: 64, memoryGiB: 512 },
  { cpus: 96, memoryGiB: 768 },
  { cpus: 128, memoryGiB: 1024 },
] as const;

export interface Offering {
  vcpus: number;
  memoryGiB: number;
  diskGiB: number;
  /** Relative frequency in the request stream. */
  weight: number;
}

/** Mostly small instances: ~100 per host fill 1,000 hosts at 100,000 instances. */
export const smallOfferings: Offering[] = [
  { vcpus: 1, memoryGiB: 1, diskGiB: 20, weight: 22 },
  { vcpus: 1, memoryGiB: 2, diskGiB: 20, weight: 27 },
  { vcpus: 2, memoryGiB: 4, diskGiB: 50, weight: 25 },
  { vcpus: 2, memoryGiB: 8, diskGiB: 50, weight: 16 },
  { vcpus: 4, memoryGiB: 16, diskGiB: 100, weight: 8 },
  { vcpus: 8, memoryGiB: 32, diskGiB: 100, weight: 2 },
];

/** Bigger instances: ~10 per host fill 10,000 hosts at 100,000 instances. */
export const largeOfferings: Offering[] = [
  { vcpus: 2, memoryGiB: 8, diskGiB: 50, weight: 18 },
  { vcpus: 4, memoryGiB: 16, diskGiB: 100, weight: 20 },
  { vcpus: 8, memoryGiB: 32, diskGiB: 100, weight: 25 },
  { vcpus: 16, memoryGiB: 64, diskGiB: 200, weight: 20 },
  { vcpus: 32, memoryGiB: 128, diskGiB: 200, weight: 13 },
  { vcpus: 64, memoryGiB: 256, diskGiB: 500, weight: 4 },
];

export const dedicatedAccounts = ['acct-d1', 'acct-d2', 'acct-d3', 'acct-d4', 'acct-d5'];

export interface World {
  hosts: SchedulerHost[];
  zones: string[];
  clusterCount: number;
}

/** `hostCount` hosts over `zoneCount` zones, 4 pods per zone, 4 clusters per pod. */
export function buildWorld(random: Random, hostCount: number, zoneCount: number): World {
  const zones = Array.from({ length: zoneCount }, (_, i) => `zone-${i + 1}`);
  const clusters: Array<{ zoneId: string; podId: string; clusterId: string; shared: SchedulerPool }> = [];
  for (const zoneId of zones) {
    for (let p = 1; p <= 4; p++) {
      for (let c = 1; c <= 4; c++) {
        const clusterId = `${zoneId}-pod-${p}-cluster-${c}`;
        clusters.push({
          zoneId,
          podId: `${zoneId}-pod-${p}`,
          clusterId,
          shared: { id: `${clusterId}-nfs`, kind: 'shared', capacityGiB: 200_000, allocatedGiB: 0, overcommit: 2 },
        });
      }
    }
  }
  const hosts: SchedulerHost[] = [];
  for (let i = 0; i < hostCount; i++) {
    const cluster = clusters[i % clusters.length]!;
    const profile = pick(random, hostProfiles);
    const id = `host-${String(i).padStart(5, '0')}`;
    const roll = random();
    hosts.push({
      id,
      zoneId: cluster.zoneId,
      podId: cluster.podId,
      clusterId: cluster.clusterId,
      hypervisor: 'qemu',
      state: roll < 0.01 ? 'maintenance' : roll < 0.015 ? 'down' : 'up',
      cpus: profile.cpus,
      memoryMiB: profile.memoryGiB * 1024,
      cpuAllocated: 0,
      memoryAllocatedMiB: 0,
      cpuOvercommit: 4,
      memoryOvercommit: 1,
      tags: random() < 0.1 ? ['ssd'] : random() < 0.02 ? ['gpu'] : [],
      dedicatedAccountId: random() < 0.02 ? pick(random, dedicatedAccounts) : null,
      pools: [
        { id: `${id}-local`, kind: 'local', capacityGiB: pick(random, [2048, 4096, 8192]), allocatedGiB: 0, overcommit: 2 },
        cluster.shared,
      ],
    });
  }
  return { hosts, zones, clusterCount: clusters.length };
}

function pickOffering(random: Random, offerings: readonly Offering[]): Offering {
  const total = offerings.reduce((sum, o) => sum + o.weight, 0);
  let roll = random() * total;
  for (const offering of offerings) {
    roll -= offering.weight;
    if (roll < 0) return offering;
  }
  return offerings[offerings.length - 1]!;
}

/** Open affinity groups the request stream adds members to. */
export class GroupBook {
  private readonly open: AffinityGroup[] = [];
  private next = 0;

  /** 15% of requests join an anti-affinity group (up to 5 members), 3% an affinity group (up to 4). */
  choose(random: Random): AffinityGroup[] {
    const roll = random();
    if (roll >= 0.18) return [];
    const policy = roll < 0.15 ? 'anti-affinity' : 'affinity';
    const max = policy === 'anti-affinity' ? 5 : 4;
    let group = this.open.find((g) => g.policy === policy && random() < 0.5);
    if (group === undefined || group.hostIds.length >= max) {
      group = { id: `group-${this.next++}`, policy, hostIds: [] };
      this.open.push(group);
      if (this.open.length > 200) this.open.shift();
    }
    return [group];
  }
}

export function nextRequest(random: Random, world: World, offerings: readonly Offering[], groups: GroupBook): PlacementRequest {
  const offering = pickOffering(random, offerings);
  const zoneIndex = randomInt(random, 0, world.zones.length - 1);
  const dedicated = random() < 0.02;
  const tagRoll = random();
  return {
    accountId: dedicated ? pick(random, dedicatedAccounts) : `acct-${randomInt(random, 1, 5000)}`,
    vcpus: offering.vcpus,
    memoryMiB: offering.memoryGiB * 1024,
    rootDiskGiB: offering.diskGiB,
    zoneId: world.zones[zoneIndex]!,
    hostTags: tagRoll < 0.05 ? ['ssd'] : tagRoll < 0.06 ? ['gpu'] : [],
    affinityGroups: groups.choose(random),
    excludeHostIds: random() < 0.01 ? [pick(random, world.hosts).id] : [],
    accountHasDedicatedHosts: dedicated,
    // Operators choose per zone: odd zones spread, even zones pack.
    strategy: zoneIndex % 2 === 0 ? 'spread' : 'pack',
  };
}
