// Filter, weigher and failure-report behaviour, run against both implementations
// (the pure placeInstance and CapacityIndex.place) as one conformance suite.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CapacityIndex } from './capacity-index.ts';
import { placeInstance } from './place-instance.ts';
import { makeHost, makePool, makeRequest, seededRandom, randomInt } from './scheduler-test-fixtures.ts';
import type { PlacementRequest, PlacementResult, SchedulerHost } from './scheduler-types.ts';

type Place = (hosts: SchedulerHost[], request: PlacementRequest, limit?: number) => PlacementResult;

const implementations: Array<{ name: string; place: Place }> = [
  { name: 'placeInstance', place: (hosts, request, limit) => placeInstance(hosts, request, limit) },
  { name: 'CapacityIndex.place', place: (hosts, request, limit) => new CapacityIndex(hosts).place(request, limit) },
];

function hostIds(result: PlacementResult): string[] {
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.candidates.map((c) => c.hostId);
}

function removedBy(result: PlacementResult): Record<string, number> {
  assert.ok(!result.ok, 'expected the placement to fail');
  return Object.fromEntries(result.filters.filter((f) => f.removed > 0).map((f) => [f.filter, f.removed]));
}

for (const { name, place } of implementations) {
  describe(`scheduler filters and weighers (${name})`, () => {
    it('returns candidates best first, each with a pool', () => {
      const hosts = [
        makeHost({ id: 'h1', memoryAllocatedMiB: 32768 }),
        makeHost({ id: 'h2' }),
        makeHost({ id: 'h3', memoryAllocatedMiB: 16384 }),
      ];
      const result = place(hosts, makeRequest());
      assert.deepEqual(result.ok && result.candidates.map((c) => [c.hostId, c.poolId]), [
        ['h2', 'h2-local'],
        ['h3', 'h3-local'],
        ['h1', 'h1-local'],
      ]);
    });

    it('zone: keeps only hosts of the zone and says when the zone is empty', () => {
      const hosts = [makeHost({ id: 'h1', zoneId: 'z2' }), makeHost({ id: 'h2' })];
      assert.deepEqual(hostIds(place(hosts, makeRequest())), ['h2']);
      const empty = place(hosts, makeRequest({ zoneId: 'z9' }));
      assert.ok(!empty.ok);
      assert.equal(empty.message, 'no host fits: no host in zone z9 (2 hosts in other zones)');
      assert.deepEqual(empty.filters[0], { filter: 'zone', before: 2, removed: 2 });
    });

    it('pod, cluster and hypervisor: keep only matching hosts when asked', () => {
      const hosts = [
        makeHost({ id: 'h1', podId: 'p2', clusterId: 'c2' }),
        makeHost({ id: 'h2', clusterId: 'c3' }),
        makeHost({ id: 'h3', hypervisor: 'lxc' }),
      ];
      assert.deepEqual(hostIds(place(hosts, makeRequest({ podId: 'p2' }))), ['h1']);
      assert.deepEqual(hostIds(place(hosts, makeRequest({ clusterId: 'c3' }))), ['h2']);
      assert.deepEqual(hostIds(place(hosts, makeRequest({ hypervisor: 'lxc', instanceType: 'container' }))), ['h3']);
      assert.deepEqual(hostIds(place(hosts, makeRequest())), ['h1', 'h2']);
      assert.deepEqual(removedBy(place(hosts, makeRequest({ podId: 'p9' }))), { pod: 3 });
      assert.deepEqual(removedBy(place(hosts, makeRequest({ podId: 'p1', clusterId: 'c1', hypervisor: 'fake' }))), {
        pod: 1,
        cluster: 1,
        hypervisor: 1,
      });
    });

    it('instance type: a VM never lands on an LXC-only host, a container never on a QEMU-only host; fake hosts take both', () => {
      const hosts = [makeHost({ id: 'q1', hypervisor: 'qemu' }), makeHost({ id: 'l1', hypervisor: 'lxc' }), makeHost({ id: 'f1', hypervisor: 'fake' })];
      assert.deepEqual(hostIds(place(hosts, makeRequest({ instanceType: 'vm' }))).sort(), ['f1', 'q1']);
      assert.deepEqual(hostIds(place(hosts, makeRequest({ instanceType: 'container' }))).sort(), ['f1', 'l1']);
      const onlyLxc = place([hosts[1]!], makeRequest({ instanceType: 'vm' }));
      assert.ok(!onlyLxc.ok);
      assert.deepEqual(removedBy(onlyLxc), { hypervisor: 1 });
      assert.deepEqual(removedBy(place([hosts[0]!], makeRequest({ instanceType: 'container' }))), { hypervisor: 1 });
    });

    it('host-state: only up hosts take instances', () => {
      const hosts = (['up', 'disconnected', 'down', 'maintenance', 'disabled'] as const).map((state, i) =>
        makeHost({ id: `h${i}`, state }),
      );
      assert.deepEqual(hostIds(place(hosts, makeRequest())), ['h0']);
      assert.deepEqual(removedBy(place(hosts.slice(1), makeRequest())), { 'host-state': 4 });
    });

    it('dedication: dedicated hosts take only their account; such an account goes only to them', () => {
      const hosts = [
        makeHost({ id: 'shared' }),
        makeHost({ id: 'ded-a1', dedicatedAccountId: 'a1' }),
        makeHost({ id: 'ded-a2', dedicatedAccountId: 'a2' }),
      ];
      // An account without dedicated hosts never lands on another account's dedicated host.
      assert.deepEqual(hostIds(place(hosts, makeRequest({ accountId: 'a3' }))), ['shared']);
      // An account with dedicated hosts gets only them.
      assert.deepEqual(hostIds(place(hosts, makeRequest({ accountId: 'a1', accountHasDedicatedHosts: true }))), [
        'ded-a1',
      ]);
      // When they are full the placement fails: no spill-over to shared hosts.
      const full = [...hosts.filter((h) => h.id !== 'ded-a1'), makeHost({ id: 'ded-a1', dedicatedAccountId: 'a1', memoryAllocatedMiB: 65536 })];
      const result = place(full, makeRequest({ accountId: 'a1', accountHasDedicatedHosts: true }));
      assert.ok(!result.ok);
      assert.equal(
        result.message,
        'no host fits: 3 hosts in zone z1; dedication removed 2, memory removed 1; the account has dedicated hosts and is placed only on them',
      );
      // An account unknown to every host but flagged as owning dedicated hosts gets nothing.
      assert.deepEqual(removedBy(place(hosts, makeRequest({ accountId: 'a9', accountHasDedicatedHosts: true }))), {
        dedication: 3,
      });
    });

    it('host-tags: the host must carry every requested tag', () => {
      const hosts = [
        makeHost({ id: 'h1', tags: ['ssd'] }),
        makeHost({ id: 'h2', tags: ['ssd', 'gpu'] }),
        makeHost({ id: 'h3', tags: ['gpu'] }),
      ];
      assert.deepEqual(hostIds(place(hosts, makeRequest({ hostTags: ['ssd', 'gpu'] }))), ['h2']);
      assert.deepEqual(hostIds(place(hosts, makeRequest({ hostTags: ['gpu'] }))), ['h2', 'h3']);
      assert.deepEqual(removedBy(place(hosts, makeRequest({ hostTags: ['nvme'] }))), { 'host-tags': 3 });
    });

    it('exclude: skips the listed hosts', () => {
      const hosts = [makeHost({ id: 'h1' }), makeHost({ id: 'h2' })];
      assert.deepEqual(hostIds(place(hosts, makeRequest({ excludeHostIds: ['h1', 'unknown'] }))), ['h2']);
      assert.deepEqual(removedBy(place(hosts, makeRequest({ excludeHostIds: ['h1', 'h2'] }))), { exclude: 2 });
    });

    it('affinity: lands on the hosts of the group; an empty group constrains nothing', () => {
      const hosts = [makeHost({ id: 'h1' }), makeHost({ id: 'h2' }), makeHost({ id: 'h3' })];
      const group = { id: 'g1', policy: 'affinity' as const, hostIds: ['h2', 'h3'] };
      assert.deepEqual(hostIds(place(hosts, makeRequest({ affinityGroups: [group] }))), ['h2', 'h3']);
      const empty = { id: 'g2', policy: 'affinity' as const, hostIds: [] };
      assert.deepEqual(hostIds(place(hosts, makeRequest({ affinityGroups: [empty] }))), ['h1', 'h2', 'h3']);
      // Two groups: the host must satisfy both.
      const other = { id: 'g3', policy: 'affinity' as const, hostIds: ['h3', 'h1'] };
      assert.deepEqual(hostIds(place(hosts, makeRequest({ affinityGroups: [group, other] }))), ['h3']);
      // The group's host is full: no fallback elsewhere.
      const full = [makeHost({ id: 'h1' }), makeHost({ id: 'h2', cpuAllocated: 16 })];
      const onH2 = { id: 'g4', policy: 'affinity' as const, hostIds: ['h2'] };
      assert.deepEqual(removedBy(place(full, makeRequest({ affinityGroups: [onH2] }))), { affinity: 1, cpu: 1 });
    });

    it('anti-affinity: avoids every host of every group', () => {
      const hosts = [makeHost({ id: 'h1' }), makeHost({ id: 'h2' }), makeHost({ id: 'h3' })];
      const groups = [
        { id: 'g1', policy: 'anti-affinity' as const, hostIds: ['h1'] },
        { id: 'g2', policy: 'anti-affinity' as const, hostIds: ['h3', 'h1'] },
      ];
      assert.deepEqual(hostIds(place(hosts, makeRequest({ affinityGroups: groups }))), ['h2']);
      const all = [{ id: 'g3', policy: 'anti-affinity' as const, hostIds: ['h1', 'h2', 'h3'] }];
      assert.deepEqual(removedBy(place(hosts, makeRequest({ affinityGroups: all }))), { 'anti-affinity': 3 });
    });

    it('cpu: fits within cpus * overcommit - allocated', () => {
      const hosts = [makeHost({ id: 'h1', cpus: 16, cpuOvercommit: 4, cpuAllocated: 60 })];
      assert.deepEqual(hostIds(place(hosts, makeRequest({ vcpus: 4 }))), ['h1']);
      assert.deepEqual(removedBy(place(hosts, makeRequest({ vcpus: 5 }))), { cpu: 1 });
      const noOvercommit = [makeHost({ id: 'h1', cpus: 16, cpuAllocated: 15 })];
      assert.deepEqual(removedBy(place(noOvercommit, makeRequest({ vcpus: 2 }))), { cpu: 1 });
    });

    it('memory: fits within memory * overcommit - allocated', () => {
      const hosts = [makeHost({ id: 'h1', memoryMiB: 65536, memoryOvercommit: 1.5, memoryAllocatedMiB: 90112 })];
      assert.deepEqual(hostIds(place(hosts, makeRequest({ memoryMiB: 8192 }))), ['h1']);
      assert.deepEqual(removedBy(place(hosts, makeRequest({ memoryMiB: 8193 }))), { memory: 1 });
    });

    it('pool: picks the pool with most room under its overcommit, drops hosts without room', () => {
      const hosts = [
        makeHost({
          id: 'h1',
          pools: [
            makePool({ id: 'local', capacityGiB: 500, allocatedGiB: 100 }),
            makePool({ id: 'nfs', kind: 'shared', capacityGiB: 1000, allocatedGiB: 1500, overcommit: 2 }),
          ],
        }),
        makeHost({ id: 'h2', pools: [makePool({ id: 'small', capacityGiB: 10 })] }),
        makeHost({ id: 'h3', pools: [] }),
      ];
      const result = place(hosts, makeRequest({ rootDiskGiB: 20 }));
      assert.deepEqual(result.ok && result.candidates.map((c) => [c.hostId, c.poolId]), [['h1', 'nfs']]);
      assert.deepEqual(removedBy(place(hosts, makeRequest({ rootDiskGiB: 501 }))), { pool: 3 });
      // Equal room: the smaller pool id wins.
      const tie = [makeHost({ id: 'h1', pools: [makePool({ id: 'pb' }), makePool({ id: 'pa' })] })];
      const tied = place(tie, makeRequest());
      assert.equal(tied.ok && tied.candidates[0]?.poolId, 'pa');
    });

    it('failure: the message and counts say which filter removed how many hosts', () => {
      const hosts = [
        makeHost({ id: 'h1', state: 'down' }),
        makeHost({ id: 'h2', memoryAllocatedMiB: 65536 }),
        makeHost({ id: 'h3', memoryAllocatedMiB: 63488 }),
        makeHost({ id: 'h4', zoneId: 'z2' }),
      ];
      const result = place(hosts, makeRequest());
      assert.ok(!result.ok);
      assert.equal(result.message, 'no host fits: 3 hosts in zone z1; host-state removed 1, memory removed 2');
      assert.deepEqual(result.filters, [
        { filter: 'zone', before: 4, removed: 1 },
        { filter: 'pod', before: 3, removed: 0 },
        { filter: 'cluster', before: 3, removed: 0 },
        { filter: 'hypervisor', before: 3, removed: 0 },
        { filter: 'host-state', before: 3, removed: 1 },
        { filter: 'dedication', before: 2, removed: 0 },
        { filter: 'host-tags', before: 2, removed: 0 },
        { filter: 'exclude', before: 2, removed: 0 },
        { filter: 'affinity', before: 2, removed: 0 },
        { filter: 'anti-affinity', before: 2, removed: 0 },
        { filter: 'cpu', before: 2, removed: 0 },
        { filter: 'memory', before: 2, removed: 2 },
        { filter: 'pool', before: 0, removed: 0 },
      ]);
      // A host is counted against the first filter it fails only.
      const both = [makeHost({ id: 'h1', state: 'down', cpuAllocated: 16 })];
      assert.deepEqual(removedBy(place(both, makeRequest())), { 'host-state': 1 });
      const one = place([makeHost({ id: 'h1', cpuAllocated: 16 })], makeRequest());
      assert.equal(!one.ok && one.message, 'no host fits: 1 host in zone z1; cpu removed 1');
    });

    it('spread prefers the most free memory ratio, pack the least', () => {
      const hosts = [
        makeHost({ id: 'half', memoryAllocatedMiB: 32768 }),
        makeHost({ id: 'empty' }),
        makeHost({ id: 'big-quarter', memoryMiB: 262144, memoryAllocatedMiB: 65536 }),
        makeHost({ id: 'nearly-full', memoryAllocatedMiB: 57344 }),
      ];
      const spread = place(hosts, makeRequest({ memoryMiB: 4096, strategy: 'spread' }));
      assert.deepEqual(hostIds(spread), ['empty', 'big-quarter', 'half', 'nearly-full']);
      assert.ok(spread.ok);
      assert.equal(spread.candidates[0]?.score, (65536 - 4096) / 65536);
      const pack = place(hosts, makeRequest({ memoryMiB: 4096, strategy: 'pack' }));
      assert.deepEqual(hostIds(pack), ['nearly-full', 'half', 'big-quarter', 'empty']);
      assert.ok(pack.ok);
      assert.equal(pack.candidates[0]?.score, 1 - (65536 - 57344 - 4096) / 65536);
    });

    it('weighs by the ratio after placement, under memory overcommit', () => {
      // 64 GiB at 2x: 128 GiB of room, 64 GiB used -> 0.5 before, (128-64-4)/128 after.
      const hosts = [
        makeHost({ id: 'oc', memoryOvercommit: 2, memoryAllocatedMiB: 65536 }),
        makeHost({ id: 'plain', memoryAllocatedMiB: 32768 }),
      ];
      // oc: (131072-65536-4096)/131072 = 0.46875; plain: (65536-32768-4096)/65536 = 0.4375
      assert.deepEqual(hostIds(place(hosts, makeRequest())), ['oc', 'plain']);
    });

    it('ties: free cpu ratio next, then host id', () => {
      const hosts = [
        makeHost({ id: 'c' }),
        makeHost({ id: 'a' }),
        makeHost({ id: 'b', cpuAllocated: 8 }),
        makeHost({ id: 'd' }),
      ];
      assert.deepEqual(hostIds(place(hosts, makeRequest())), ['a', 'c', 'd', 'b']);
      assert.deepEqual(hostIds(place(hosts, makeRequest({ strategy: 'pack' }))), ['b', 'a', 'c', 'd']);
    });

    it('returns at most `limit` candidates (default 5), the same as a full sort', () => {
      const random = seededRandom(7);
      const hosts = Array.from({ length: 200 }, (_, i) =>
        makeHost({
          id: `h${String(i).padStart(3, '0')}`,
          memoryAllocatedMiB: 1024 * randomInt(random, 0, 8),
          cpuAllocated: randomInt(random, 0, 4),
        }),
      );
      // Reference order by a full sort: memory ratio after placement, cpu ratio, id.
      const request = makeRequest();
      const ratio = (h: SchedulerHost): [number, number] => [
        (h.memoryMiB - h.memoryAllocatedMiB - request.memoryMiB) / h.memoryMiB,
        (h.cpus - h.cpuAllocated - request.vcpus) / h.cpus,
      ];
      const sorted = [...hosts].sort((x, y) => {
        const [mx, cx] = ratio(x);
        const [my, cy] = ratio(y);
        return my - mx || cy - cx || (x.id < y.id ? -1 : 1);
      });
      const spreadOrder = sorted.map((h) => h.id);
      const packOrder = [...sorted].sort((x, y) => {
        const [mx, cx] = ratio(x);
        const [my, cy] = ratio(y);
        return mx - my || cx - cy || (x.id < y.id ? -1 : 1);
      }).map((h) => h.id);
      assert.deepEqual(hostIds(place(hosts, request)), spreadOrder.slice(0, 5));
      assert.deepEqual(hostIds(place(hosts, request, 17)), spreadOrder.slice(0, 17));
      assert.deepEqual(hostIds(place(hosts, request, 1000)), spreadOrder);
      assert.deepEqual(hostIds(place(hosts, { ...request, strategy: 'pack' }, 3)), packOrder.slice(0, 3));
    });

    it('rejects malformed requests and limits', () => {
      const hosts = [makeHost({ id: 'h1' })];
      assert.throws(() => place(hosts, makeRequest({ vcpus: 0 })), RangeError);
      assert.throws(() => place(hosts, makeRequest({ memoryMiB: Number.NaN })), RangeError);
      assert.throws(() => place(hosts, makeRequest({ rootDiskGiB: -1 })), RangeError);
      assert.throws(() => place(hosts, makeRequest(), 0), RangeError);
      assert.ok(place(hosts, makeRequest({ rootDiskGiB: 0 })).ok);
    });
  });
}
