import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, KumoClient, type Host, type Instance, type Operation } from '@kumo/api';
import { startTestCloud, eventually, type TestCloud } from './testing/test-cloud.ts';

const createInstance = (cloud: TestCloud, name: string) => cloud.client.request<Operation>('POST', '/api/v1/instances', {
  query: { wait: true }, body: { name, zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
});

/** Host maintenance with fake hosts over the real agent protocol: enabled → preparing-maintenance → in-maintenance → enabled. */
describe('host maintenance', () => {
  test('a host with a running guest goes into maintenance (the guest is live-migrated away), gets no new instances, and is enabled again', async () => {
    const cloud = await startTestCloud({ hosts: 2 });
    try {
      const first = await createInstance(cloud, 'stays-1');
      assert.equal(first.status, 'succeeded', first.message);
      const inst = await cloud.client.get<Instance>('instances', first.resourceId);
      const hostId = inst.hostId!;
      const host = cloud.hosts.find((h) => h.agent.hostId === hostId)!;

      const res = await cloud.client.request<Operation>('POST', `/api/v1/hosts/${hostId}/maintenance`, { query: { wait: true } });
      assert.equal(res.kind, 'host.maintenance');
      assert.equal(res.resourceType, 'host');
      assert.equal(res.status, 'succeeded', res.message);
      assert.match(res.message, /in maintenance; no guests remain on it/);
      const h = await cloud.client.get<Host>('hosts', hostId);
      assert.equal(h.adminState, 'in-maintenance');
      assert.equal(h.state, 'up', 'liveness stays apart from the admin state');
      const moved = await cloud.client.get<Instance>('instances', inst.id);
      assert.equal(moved.phase, 'running', 'the guest keeps running');
      assert.notEqual(moved.hostId, hostId, 'on the other host');
      assert.notEqual((await host.driver.inspect(inst.id)).power, 'running', 'no copy runs on the host in maintenance');

      for (let i = 0; i < 4; i++) {
        const op = await createInstance(cloud, `elsewhere-${i}`);
        assert.equal(op.status, 'succeeded', op.message);
        assert.notEqual((await cloud.client.get<Instance>('instances', op.resourceId)).hostId, hostId, 'nothing new lands on a host in maintenance');
      }
      const listed = await cloud.client.list<Host>('hosts', { adminState: 'in-maintenance' });
      assert.deepEqual(listed.items.map((x) => x.id), [hostId], 'the admin state filters the host list');

      const again = await cloud.client.request<Operation>('POST', `/api/v1/hosts/${hostId}/maintenance`).catch((e: unknown) => e);
      assert.ok(again instanceof ApiError && again.code === 'invalid_state', 'in maintenance already is a 409');

      const en = await cloud.client.request<Operation>('POST', `/api/v1/hosts/${hostId}/enable`, { query: { wait: true } });
      assert.equal(en.kind, 'host.enable');
      assert.equal(en.status, 'succeeded', en.message);
      assert.equal((await cloud.client.get<Host>('hosts', hostId)).adminState, 'enabled');
      // The other host is disabled: the next instance can only land on the one just enabled.
      const other = cloud.hosts.find((x) => x.agent.hostId !== hostId)!.agent.hostId!;
      await cloud.client.request('POST', `/api/v1/hosts/${other}/actions`, { body: { action: 'disable' } });
      const back = await createInstance(cloud, 'back');
      assert.equal(back.status, 'succeeded', back.message);
      assert.equal((await cloud.client.get<Instance>('instances', back.resourceId)).hostId, hostId, 'an enabled host takes instances again');
    } finally { await cloud.close(); }
  });

  test('preparing waits while an instance on the host has a task in progress, and says how many guests remain', async () => {
    const cloud = await startTestCloud({ hosts: 1, controller: { waitRetryMs: 50 } });
    try {
      const a = await createInstance(cloud, 'a');
      const b = await createInstance(cloud, 'b');
      assert.equal(a.status, 'succeeded'); assert.equal(b.status, 'succeeded');
      const hostId = cloud.hosts[0]!.agent.hostId!;
      const releaseStop = cloud.hosts[0]!.driver.holdNextStop();
      const stop = await cloud.client.instanceAction(a.resourceId, 'stop');
      await eventually(async () => (await cloud.client.get<Instance>('instances', a.resourceId)).task === 'stopping', 'stop under way');
      const op = await cloud.client.request<Operation>('POST', `/api/v1/hosts/${hostId}/maintenance`);
      assert.equal(op.status, 'pending');
      assert.equal((await cloud.client.get<Host>('hosts', hostId)).adminState, 'preparing-maintenance');
      const waiting = await eventually(async () => {
        const o = await cloud.client.get<Operation>('operations', op.id);
        return o.status === 'running' ? o : null;
      }, 'the operation reports what it waits for');
      assert.match(waiting.message, /evacuating host \S+: 1 pending, 1 blocked/, 'a waits for its stop to end; b has nowhere to go');
      // A new instance is refused a place while preparing (the only host is not enabled).
      const refused = await createInstance(cloud, 'refused');
      assert.equal(refused.status, 'failed');
      assert.equal(refused.error?.code, 'no_capacity');
      assert.equal((await cloud.client.get<Operation>('operations', op.id)).status, 'running', 'still waiting while the stop is held');
      releaseStop();
      const stopped = await cloud.client.waitOperation(stop.id);
      assert.equal(stopped.status, 'succeeded');
      // b runs and has nowhere to go (the only host): listed with the reason; the host waits for a choice.
      const blocked = await eventually(async () => {
        const o = await cloud.client.get<Operation>('operations', op.id);
        return /cannot move: b \(/.test(o.message) ? o : null;
      }, 'the running guest is listed as unable to move');
      assert.equal(blocked.status, 'running');
      await cloud.client.request<Operation>('POST', `/api/v1/hosts/${hostId}/maintenance`, { body: { stopRemaining: true } });
      const done = await cloud.client.waitOperation(op.id);
      assert.equal(done.status, 'succeeded', done.message);
      assert.ok(Date.parse(stopped.finishedAt!) <= Date.parse(done.finishedAt!), 'maintenance began only after the stop ended');
      assert.match(done.message, /2 stopped guests remain on it/);
      assert.equal((await cloud.client.get<Host>('hosts', hostId)).adminState, 'in-maintenance');
    } finally { await cloud.close(); }
  });

  test('enable during preparation cancels the maintenance; only admins may ask; unknown hosts are 404', async () => {
    const cloud = await startTestCloud({ hosts: 1, controller: { waitRetryMs: 50 } });
    try {
      const a = await createInstance(cloud, 'a');
      const hostId = cloud.hosts[0]!.agent.hostId!;
      const releaseStop = cloud.hosts[0]!.driver.holdNextStop();
      await cloud.client.instanceAction(a.resourceId, 'stop');
      await eventually(async () => (await cloud.client.get<Instance>('instances', a.resourceId)).task === 'stopping', 'stop under way');
      const m = await cloud.client.request<Operation>('POST', `/api/v1/hosts/${hostId}/maintenance`);
      const same = await cloud.client.request<Operation>('POST', `/api/v1/hosts/${hostId}/maintenance`);
      assert.equal(same.id, m.id, 'asking again while preparing answers the same operation');
      const en = await cloud.client.request<Operation>('POST', `/api/v1/hosts/${hostId}/enable`, { query: { wait: true } });
      assert.equal(en.status, 'succeeded', en.message);
      const cancelled = await cloud.client.waitOperation(m.id);
      assert.equal(cancelled.status, 'cancelled');
      assert.match(cancelled.message, /overtook the maintenance/);
      assert.equal((await cloud.client.get<Host>('hosts', hostId)).adminState, 'enabled');
      releaseStop();

      await cloud.client.create('accounts', { name: 'carol', username: 'carol', password: 'carol-password-1' });
      const user = new KumoClient({ baseUrl: cloud.url });
      user.setToken((await user.request<{ token: string }>('POST', '/api/v1/auth/login', { body: { username: 'carol', password: 'carol-password-1' } })).token);
      for (const action of ['maintenance', 'enable']) {
        await assert.rejects(user.request('POST', `/api/v1/hosts/${hostId}/${action}`), (e: ApiError) => e.code === 'forbidden' && e.status === 403);
      }
      await assert.rejects(cloud.client.request('POST', '/api/v1/hosts/host-01m80000000000000000/maintenance'), (e: ApiError) => e.code === 'not_found');
      await assert.rejects(cloud.client.request('POST', '/api/v1/hosts/not%20an%20id/maintenance'), (e: ApiError) => e.status === 400);
      assert.equal((await cloud.client.get<Host>('hosts', hostId)).adminState, 'enabled', 'refused requests change nothing');
    } finally { await cloud.close(); }
  });
});
