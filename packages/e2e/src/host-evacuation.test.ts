import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Host, HostEvacuation, Instance, Operation } from '@kumo/api';
import { eventually, startTestCloud, type TestCloud } from './testing/test-cloud.ts';

/** Create n guests on one host (the others disabled meanwhile). */
async function guestsOn(cloud: TestCloud, hostId: string, n: number): Promise<string[]> {
  const others = (await cloud.client.listAll<Host>('hosts')).filter((h) => h.id !== hostId);
  for (const h of others) await cloud.client.request('POST', `/api/v1/hosts/${h.id}/actions`, { body: { action: 'disable' } });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true }, body: { name: `guest-${i}`, zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
    });
    assert.equal(op.status, 'succeeded', op.message);
    ids.push(op.resourceId);
  }
  for (const h of others) await cloud.client.request('POST', `/api/v1/hosts/${h.id}/actions`, { body: { action: 'enable' } });
  return ids;
}

/** Host maintenance by evacuation with fake hosts that live-migrate between each other (driver-fake). */
describe('host evacuation', () => {
  test('a host with 4 running guests evacuates with at most 2 migrating at once; all end running on other hosts', async () => {
    const cloud = await startTestCloud({ hosts: 3, controller: { waitRetryMs: 100 } });
    try {
      const hostId = cloud.hosts[0]!.agent.hostId!;
      const ids = await guestsOn(cloud, hostId, 4);
      const op = await cloud.client.request<Operation>('POST', `/api/v1/hosts/${hostId}/maintenance`, { body: { concurrency: 2 } });
      let maxMigrating = 0; let sawMigrating = false;
      const done = await eventually(async () => {
        const ev = await cloud.client.request<HostEvacuation>('GET', `/api/v1/hosts/${hostId}/evacuation`);
        maxMigrating = Math.max(maxMigrating, ev.counts.migrating ?? 0);
        if ((ev.counts.migrating ?? 0) > 0) sawMigrating = true;
        const o = await cloud.client.get<Operation>('operations', op.id);
        return ['succeeded', 'failed', 'cancelled'].includes(o.status) ? { o } : null;
      }, 'the maintenance to end', 120_000);
      assert.equal(done.o.status, 'succeeded', done.o.message);
      assert.ok(sawMigrating, 'the evacuation was seen migrating');
      assert.ok(maxMigrating <= 2, `never more than 2 migrating (saw ${maxMigrating})`);
      const after = await cloud.client.request<HostEvacuation>('GET', `/api/v1/hosts/${hostId}/evacuation`);
      assert.deepEqual(after.items.map((i) => i.state), ['moved', 'moved', 'moved', 'moved']);
      assert.equal((await cloud.client.get<Host>('hosts', hostId)).adminState, 'in-maintenance');
      for (const id of ids) {
        const inst = await cloud.client.get<Instance>('instances', id);
        assert.equal(inst.phase, 'running');
        assert.notEqual(inst.hostId, hostId);
        const sim = cloud.hosts.find((h) => h.agent.hostId === inst.hostId)!;
        assert.equal((await sim.driver.inspect(id)).power, 'running', 'runs on its new host');
      }
    } finally { await cloud.close(); }
  });

  test('cancel maintenance while a guest cannot move: the host is enabled, the blocked guest keeps running where it was', async () => {
    const cloud = await startTestCloud({ hosts: 2, controller: { waitRetryMs: 100 } });
    try {
      const hostId = cloud.hosts[0]!.agent.hostId!;
      const [id] = await guestsOn(cloud, hostId, 1);
      const other = cloud.hosts[1]!.agent.hostId!;
      await cloud.client.request('POST', `/api/v1/hosts/${other}/actions`, { body: { action: 'disable' } });
      const op = await cloud.client.request<Operation>('POST', `/api/v1/hosts/${hostId}/maintenance`);
      const ev = await eventually(async () => {
        const e = await cloud.client.request<HostEvacuation>('GET', `/api/v1/hosts/${hostId}/evacuation`);
        return e.items[0]?.state === 'blocked' ? e : null;
      }, 'the guest is blocked');
      assert.ok(ev.items[0]!.reason, 'with its reason');
      const en = await cloud.client.request<Operation>('POST', `/api/v1/hosts/${hostId}/enable`, { query: { wait: true } });
      assert.equal(en.status, 'succeeded', en.message);
      assert.equal((await cloud.client.waitOperation(op.id)).status, 'cancelled');
      const inst = await cloud.client.get<Instance>('instances', id!);
      assert.equal(inst.hostId, hostId);
      assert.equal(inst.phase, 'running');
    } finally { await cloud.close(); }
  });
});
