/**
 * Builders and a seeded PRNG for the scheduler tests and bench (not exported
 * from the package).
 */
import type { PlacementRequest, SchedulerHost, SchedulerPool } from './scheduler-types.ts';

/** mulberry32: small, fast, deterministic; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: () => number, values: readonly T[]): T {
  const value = values[Math.floor(random() * values.length)];
  if (value === undefined) throw new RangeError('pick from an empty list');
  return value;
}

export function makePool(overrides: Partial<SchedulerPool> & { id: string }): SchedulerPool {
  return { kind: 'local', capacityGiB: 1000, allocatedGiB: 0, overcommit: 1, ...overrides };
}

/** An empty 16-cpu / 64 GiB qemu host, up, in zone z1 / pod p1 / cluster c1, with one local pool. */
export function makeHost(overrides: Partial<SchedulerHost> & { id: string }): SchedulerHost {
  return {
    zoneId: 'z1',
    podId: 'p1',
    clusterId: 'c1',
    hypervisor: 'qemu',
    state: 'up',
    cpus: 16,
    memoryMiB: 65536,
    cpuAllocated: 0,
    memoryAllocatedMiB: 0,
    cpuOvercommit: 1,
    memoryOvercommit: 1,
    tags: [],
    dedicatedAccountId: null,
    pools: [makePool({ id: `${overrides.id}-local` })],
    ...overrides,
  };
}

/** 2 vcpus / 4 GiB / 20 GiB disk in zone z1 for account a1, spread. */
export function makeRequest(overrides: Partial<PlacementRequest> = {}): PlacementRequest {
  return {
    accountId: 'a1',
    vcpus: 2,
    memoryMiB: 4096,
    rootDiskGiB: 20,
    zoneId: 'z1',
    hostTags: [],
    affinityGroups: [],
    excludeHostIds: [],
    accountHasDedicatedHosts: false,
    strategy: 'spread',
    ...overrides,
  };
}
