// Property test: on random worlds and random request streams (seeded PRNG), the
// pure placeInstance and the incremental CapacityIndex give the same results,
// including failure counts and messages, while placements reserve capacity and
// hosts are released, changed, removed and added.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CapacityIndex } from './capacity-index.ts';
import { placeInstance } from './place-instance.ts';
import { makeRequest, pick, randomInt, seededRandom } from './scheduler-test-fixtures.ts';
import type { AffinityGroup, PlacementRequest, SchedulerHost, SchedulerPool } from './scheduler-types.ts';

type Random = () => number;

const zones = ['z1', 'z2', 'z3'];
const pods = ['p1', 'p2'];
const clusters = ['c1', 'c2', 'c3', 'c4'];
const tags = ['ssd', 'gpu', 'nvme', 'edge'];
const accounts = ['a1', 'a2', 'a3', 'a4'];

function subset<T>(random: Random, values: readonly T[], chance: number): T[] {
  return values.filter(() => random() < chance);
}

/** Shared pools per "zone/pod/cluster", the same objects on every host of the cluster. */
type SharedPools = Map<string, SchedulerPool[]>;

function randomPool(random: Random, id: string, kind: SchedulerPool['kind']): SchedulerPool {
  const capacityGiB = pick(random, [50, 100, 200]);
  return {
    id,
    kind,
    capacityGiB,
    allocatedGiB: randomInt(random, 0, capacityGiB),
    overcommit: pick(random, [1, 1.5, 2]),
  };
}

function randomHost(random: Random, id: string, shared: SharedPools): SchedulerHost {
  const zoneId = pick(random, zones);
  const podId = pick(random, pods);
  const clusterId = pick(random, clusters);
  const clusterKey = `${zoneId}/${podId}/${clusterId}`;
  let clusterPools = shared.get(clusterKey);
  if (clusterPools === undefined) {
    clusterPools = Array.from({ length: randomInt(random, 0, 2) }, (_, i) =>
      randomPool(random, `${clusterKey}/nfs${i}`, 'shared'),
    );
    shared.set(clusterKey, clusterPools);
  }
  const cpus = pick(random, [4, 8, 16]);
  const memoryMiB = pick(random, [8192, 16384, 32768]);
  return {
    id,
    zoneId,
    podId,
    clusterId,
    hypervisor: random() < 0.8 ? 'qemu' : pick(random, ['lxc', 'fake'] as const),
    state: random() < 0.75 ? 'up' : pick(random, ['disconnected', 'down', 'maintenance', 'disabled'] as const),
    cpus,
    memoryMiB,
    cpuAllocated: randomInt(random, 0, cpus),
    memoryAllocatedMiB: 1024 * randomInt(random, 0, memoryMiB / 1024),
    cpuOvercommit: pick(random, [1, 1.5, 2, 4]),
    memoryOvercommit: pick(random, [1, 1.25, 1.5]),
    tags: subset(random, tags, 0.4),
    dedicatedAccountId: random() < 0.8 ? null : pick(random, accounts),
    pools: [
      ...Array.from({ length: randomInt(random, 0, 2) }, (_, i) => randomPool(random, `${id}/local${i}`, 'local')),
      ...clusterPools,
    ],
  };
}

function randomRequest(random: Random, hosts: readonly SchedulerHost[]): PlacementRequest {
  const someHostIds = (): string[] =>
    Array.from({ length: randomInt(random, 0, 3) }, () =>
      random() < 0.9 && hosts.length > 0 ? pick(random, hosts).id : 'gone-host',
    );
  const affinityGroups: AffinityGroup[] = Array.from({ length: randomInt(random, 0, 2) }, (_, i) => ({
    id: `g${i}`,
    policy: random() < 0.4 ? 'affinity' : 'anti-affinity',
    hostIds: someHostIds(),
  }));
  const request: PlacementRequest = makeRequest({
    accountId: pick(random, accounts),
    vcpus: pick(random, [1, 2, 4, 8]),
    memoryMiB: pick(random, [1024, 2048, 4096, 8192, 16384]),
    rootDiskGiB: pick(random, [0, 10, 20, 40, 80]),
    zoneId: random() < 0.97 ? pick(random, zones) : 'z9',
    hostTags: subset(random, [...tags, 'unknown-tag'], 0.15),
    affinityGroups,
    excludeHostIds: someHostIds(),
    accountHasDedicatedHosts: random() < 0.2,
    strategy: random() < 0.5 ? 'spread' : 'pack',
  });
  if (random() < 0.3) request.podId = random() < 0.9 ? pick(random, pods) : 'p9';
  if (random() < 0.2) request.clusterId = pick(random, clusters);
  if (random() < 0.3) request.hypervisor = pick(random, ['qemu', 'lxc', 'fake'] as const);
  if (random() < 0.3) request.instanceType = pick(random, ['vm', 'container'] as const);
  return request;
}

interface Placed {
  hostId: string;
  poolId: string;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
}

function reserveInModel(hosts: SchedulerHost[], p: Placed, sign: 1 | -1): void {
  const host = hosts.find((h) => h.id === p.hostId);
  const pool = host?.pools.find((x) => x.id === p.poolId);
  assert.ok(host && pool);
  if (sign > 0) {
    host.cpuAllocated += p.vcpus;
    host.memoryAllocatedMiB += p.memoryMiB;
    pool.allocatedGiB += p.diskGiB;
  } else {
    host.cpuAllocated = Math.max(0, host.cpuAllocated - p.vcpus);
    host.memoryAllocatedMiB = Math.max(0, host.memoryAllocatedMiB - p.memoryMiB);
    pool.allocatedGiB = Math.max(0, pool.allocatedGiB - p.diskGiB);
  }
}

/** Runs one random scenario; returns how many placements succeeded and failed. */
function runScenario(seed: number, hostCount: number, steps: number): { ok: number; failed: number } {
  const random = seededRandom(seed);
  const shared: SharedPools = new Map();
  let nextHost = 0;
  // Ids are not in array order, so tie-breaks by id are exercised.
  const newHostId = (): string => `h${String((nextHost++ * 7919) % 100000).padStart(5, '0')}`;
  const hosts = Array.from({ length: hostCount }, () => randomHost(random, newHostId(), shared));
  const index = new CapacityIndex(hosts);
  let placed: Placed[] = [];
  // A host replaced or removed takes its reservations with it (the database figures win).
  const forget = (hostId: string): void => {
    placed = placed.filter((p) => p.hostId !== hostId);
  };
  const counts = { ok: 0, failed: 0 };

  for (let step = 0; step < steps; step++) {
    const request = randomRequest(random, hosts);
    const limit = randomInt(random, 1, 8);
    const expected = placeInstance(hosts, request, limit);
    const actual = index.place(request, limit);
    assert.deepEqual(actual, expected, `seed ${seed} step ${step}: ${JSON.stringify(request)}`);
    if (expected.ok) counts.ok++;
    else counts.failed++;

    const chosen = expected.ok ? expected.candidates[randomInt(random, 0, expected.candidates.length - 1)] : undefined;
    if (chosen && random() < 0.8) {
      const p = { ...chosen, vcpus: request.vcpus, memoryMiB: request.memoryMiB, diskGiB: request.rootDiskGiB };
      reserveInModel(hosts, p, 1);
      index.reserve(p.hostId, p.poolId, p.vcpus, p.memoryMiB, p.diskGiB);
      placed.push(p);
    }
    const action = random();
    if (action < 0.15 && placed.length > 0) {
      const p = placed.splice(randomInt(random, 0, placed.length - 1), 1)[0]!;
      reserveInModel(hosts, p, -1);
      index.release(p.hostId, p.poolId, p.vcpus, p.memoryMiB, p.diskGiB);
    } else if (action < 0.2 && hosts.length > 0) {
      const at = randomInt(random, 0, hosts.length - 1);
      const changed = randomHost(random, hosts[at]!.id, shared);
      hosts[at] = changed;
      index.upsertHost(changed);
      forget(changed.id);
    } else if (action < 0.23 && hosts.length > 0) {
      const [gone] = hosts.splice(randomInt(random, 0, hosts.length - 1), 1);
      assert.ok(index.removeHost(gone!.id));
      forget(gone!.id);
    } else if (action < 0.26) {
      const added = randomHost(random, newHostId(), shared);
      hosts.push(added);
      index.upsertHost(added);
    }
    if (step % 50 === 49) {
      assert.equal(index.size, hosts.length);
      for (const host of hosts) assert.deepEqual(index.getHost(host.id), host, `seed ${seed} step ${step} host ${host.id}`);
    }
  }
  return counts;
}

describe('placeInstance and CapacityIndex.place agree', () => {
  it('on 40 small random worlds (60 hosts, 300 requests each)', () => {
    let ok = 0;
    let failed = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const counts = runScenario(seed, 60, 300);
      ok += counts.ok;
      failed += counts.failed;
    }
    // The generator must exercise both outcomes, or the property says little.
    assert.ok(ok > 2000 && failed > 2000, `ok ${ok}, failed ${failed}`);
  });

  it('on a larger random world (2000 hosts, 300 requests)', () => {
    const counts = runScenario(4242, 2000, 300);
    assert.ok(counts.ok > 100, `ok ${counts.ok}`);
  });
});
