import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CapacityIndex } from './capacity-index.ts';
import { placeInstance } from './place-instance.ts';
import { makeHost, makePool, makeRequest } from './scheduler-test-fixtures.ts';
import type { PlacementResult } from './scheduler-types.ts';

function best(result: PlacementResult): string | undefined {
  return result.ok ? result.candidates[0]?.hostId : undefined;
}

describe('CapacityIndex', () => {
  it('reserve and release move capacity, so the next placement sees them', () => {
    const index = new CapacityIndex([makeHost({ id: 'h1' }), makeHost({ id: 'h2' })]);
    const request = makeRequest({ vcpus: 8, memoryMiB: 32768 });
    assert.equal(best(index.place(request)), 'h1');
    index.reserve('h1', 'h1-local', 8, 32768, 20);
    assert.equal(best(index.place(request)), 'h2');
    index.reserve('h2', 'h2-local', 8, 32768, 20);
    index.reserve('h2', 'h2-local', 8, 32768, 20);
    assert.deepEqual(index.getHost('h2'), makeHost({
      id: 'h2', cpuAllocated: 16, memoryAllocatedMiB: 65536, pools: [makePool({ id: 'h2-local', allocatedGiB: 40 })],
    }));
    // h1 has 8 vcpus left; h2 none.
    assert.equal(best(index.place(request)), 'h1');
    index.reserve('h1', 'h1-local', 8, 32768, 20);
    const full = index.place(request);
    assert.equal(!full.ok && full.message, 'no host fits: 2 hosts in zone z1; cpu removed 2');
    index.release('h2', 'h2-local', 8, 32768, 20);
    assert.equal(best(index.place(request)), 'h2');
  });

  it('release never drives allocations below zero', () => {
    const index = new CapacityIndex([makeHost({ id: 'h1', cpuAllocated: 2 })]);
    index.release('h1', 'h1-local', 8, 4096, 50);
    const host = index.getHost('h1');
    assert.equal(host?.cpuAllocated, 0);
    assert.equal(host?.memoryAllocatedMiB, 0);
    assert.equal(host?.pools[0]?.allocatedGiB, 0);
  });

  it('reserve on a shared pool is seen by every host of the cluster', () => {
    const nfs = makePool({ id: 'nfs', kind: 'shared', capacityGiB: 100 });
    const index = new CapacityIndex([
      makeHost({ id: 'h1', pools: [nfs] }),
      makeHost({ id: 'h2', pools: [nfs] }),
    ]);
    index.reserve('h1', 'nfs', 1, 1024, 90);
    assert.equal(index.getHost('h2')?.pools[0]?.allocatedGiB, 90);
    const result = index.place(makeRequest({ rootDiskGiB: 20 }));
    assert.equal(!result.ok && result.message, 'no host fits: 2 hosts in zone z1; pool removed 2');
    // The pool lives as long as one host lists it.
    index.removeHost('h1');
    assert.ok(index.upsertPool({ ...nfs, allocatedGiB: 0 }));
    assert.equal(best(index.place(makeRequest({ rootDiskGiB: 20 }))), 'h2');
    index.removeHost('h2');
    assert.equal(index.upsertPool(nfs), false);
  });

  it('throws on reservations for unknown hosts or pools not of the host', () => {
    const index = new CapacityIndex([makeHost({ id: 'h1' }), makeHost({ id: 'h2' })]);
    assert.throws(() => index.reserve('h9', 'h1-local', 1, 1, 1), /unknown host h9/);
    assert.throws(() => index.reserve('h1', 'h2-local', 1, 1, 1), /pool h2-local is not a pool of host h1/);
    assert.throws(() => index.release('h1', 'nope', 1, 1, 1), /pool nope is not a pool of host h1/);
  });

  it('upsertHost replaces a host, including a move to another zone, tags and pools', () => {
    const index = new CapacityIndex([makeHost({ id: 'h1' }), makeHost({ id: 'h2' })]);
    index.upsertHost(makeHost({ id: 'h1', zoneId: 'z2', tags: ['ssd', 'ssd'], pools: [makePool({ id: 'p-new' })] }));
    assert.equal(index.size, 2);
    assert.deepEqual(index.getHost('h1'), makeHost({
      id: 'h1', zoneId: 'z2', tags: ['ssd'], pools: [makePool({ id: 'p-new' })],
    }));
    assert.equal(best(index.place(makeRequest())), 'h2');
    const z2 = index.place(makeRequest({ zoneId: 'z2', hostTags: ['ssd'] }));
    assert.deepEqual(z2.ok && z2.candidates, [{ hostId: 'h1', poolId: 'p-new', score: (65536 - 4096) / 65536 }]);
    // The old local pool is gone with the host's old pool list.
    assert.equal(index.upsertPool(makePool({ id: 'h1-local' })), false);
    index.upsertHost(makeHost({ id: 'h2', state: 'maintenance' }));
    const none = index.place(makeRequest());
    assert.equal(!none.ok && none.message, 'no host fits: 1 host in zone z1; host-state removed 1');
  });

  it('removeHost forgets the host and reuses its row', () => {
    const index = new CapacityIndex([makeHost({ id: 'h1' }), makeHost({ id: 'h2' }), makeHost({ id: 'h3' })]);
    assert.equal(index.removeHost('h1'), true);
    assert.equal(index.removeHost('h1'), false);
    assert.equal(index.has('h1'), false);
    assert.equal(index.getHost('h1'), undefined);
    assert.equal(index.size, 2);
    const result = index.place(makeRequest(), 10);
    assert.deepEqual(result.ok && result.candidates.map((c) => c.hostId), ['h2', 'h3']);
    index.upsertHost(makeHost({ id: 'h4', zoneId: 'z2' }));
    index.upsertHost(makeHost({ id: 'h5' }));
    assert.equal(index.size, 4);
    const again = index.place(makeRequest(), 10);
    assert.deepEqual(again.ok && again.candidates.map((c) => c.hostId), ['h2', 'h3', 'h5']);
    const failed = index.place(makeRequest({ zoneId: 'z3' }));
    assert.equal(!failed.ok && failed.message, 'no host fits: no host in zone z3 (4 hosts in other zones)');
  });

  it('matches host tags beyond the 31 kept in the bitmask', () => {
    const manyTags = Array.from({ length: 40 }, (_, i) => `tag-${i}`);
    const hosts = [
      makeHost({ id: 'h1', tags: manyTags }),
      makeHost({ id: 'h2', tags: manyTags.slice(0, 35) }),
      makeHost({ id: 'h3', tags: ['tag-0', 'tag-39'] }),
    ];
    const index = new CapacityIndex(hosts);
    const ids = (result: PlacementResult): string[] | false => result.ok && result.candidates.map((c) => c.hostId);
    for (const hostTags of [['tag-39'], ['tag-0', 'tag-34'], ['tag-0'], ['tag-36', 'tag-1'], ['tag-0', 'nope']]) {
      const request = makeRequest({ hostTags });
      assert.deepEqual(index.place(request), placeInstance(hosts, request), hostTags.join(','));
    }
    assert.deepEqual(ids(index.place(makeRequest({ hostTags: ['tag-39'] }))), ['h1', 'h3']);
    assert.deepEqual(ids(index.place(makeRequest({ hostTags: ['tag-34', 'tag-2'] }))), ['h1', 'h2']);
  });

  it('rejects hosts with an unknown hypervisor or state (data from the database)', () => {
    const index = new CapacityIndex();
    const bad = { ...makeHost({ id: 'h1' }), hypervisor: 'xen' } as unknown as Parameters<CapacityIndex['upsertHost']>[0];
    assert.throws(() => index.upsertHost(bad), /unknown hypervisor: xen/);
    assert.equal(index.size, 0);
  });
});
