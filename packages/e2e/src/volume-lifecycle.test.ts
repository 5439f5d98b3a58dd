import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instance, Operation, Volume } from '@kumo/api';
import { startTestCloud, eventually, type TestCloud } from './testing/test-cloud.ts';

const createInstance = (cloud: TestCloud, name: string, wait = true) => cloud.client.request<Operation>('POST', '/api/v1/instances', {
  ...(wait ? { query: { wait: true } } : {}),
  body: { name, zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
});
const rootVolume = async (cloud: TestCloud, instanceId: string) =>
  (await cloud.client.request<{ items: Volume[] }>('GET', `/api/v1/instances/${instanceId}/volumes`)).items.find((v) => v.kind === 'root');

/** Volumes are reconciled resources with their own operations; an instance's start waits for its root volume. */
describe('volume lifecycle', () => {
  test('the root volume is created by its own operation before the instance starts, and deleted with the instance', async () => {
    const cloud = await startTestCloud({ hosts: 1 });
    try {
      const host = cloud.hosts[0]!;
      const release = host.volumes.holdNextCreate();
      const op = await createInstance(cloud, 'waits', false);
      const vol = await eventually(async () => {
        const v = await rootVolume(cloud, op.resourceId);
        return v?.task === 'creating' ? v : null;
      }, 'the volume is being created');
      assert.equal(vol.desired, 'ready');
      assert.equal(vol.phase, 'pending');
      const waiting = await cloud.client.get<Instance>('instances', op.resourceId);
      assert.equal(waiting.task, 'provisioning', 'the instance waits for its volume');
      assert.equal(waiting.observed.power, null, 'nothing was started yet');
      release();
      const done = await cloud.client.waitOperation(op.id);
      assert.equal(done.status, 'succeeded', done.message);
      const ready = (await rootVolume(cloud, op.resourceId))!;
      assert.equal(ready.phase, 'ready');
      assert.equal(ready.task, null);
      const volOps = await cloud.client.listAll<Operation>('operations', { resourceId: ready.id });
      assert.deepEqual(volOps.map((o) => [o.kind, o.status]), [['volume.create', 'succeeded']]);
      assert.ok(host.volumes.has(ready.id));

      const del = await cloud.client.request<Operation>('DELETE', `/api/v1/instances/${op.resourceId}`, { query: { wait: true } });
      assert.equal(del.status, 'succeeded', del.message);
      assert.equal(host.volumes.has(ready.id), false, 'deleted on the host');
      const after = await cloud.client.listAll<Operation>('operations', { resourceId: ready.id });
      assert.deepEqual(after.map((o) => [o.kind, o.status]).sort(), [['volume.create', 'succeeded'], ['volume.delete', 'succeeded']]);
      const pools = await cloud.client.listAll<{ hostId: string | null; allocatedGiB: number }>('pools', {});
      assert.equal(pools.find((p) => p.hostId === host.agent.hostId)?.allocatedGiB, 0, 'the pool has its room back');
    } finally { await cloud.close(); }
  });

  test('deleting an instance while its root volume is being created deletes the volume and cancels its create', async () => {
    const cloud = await startTestCloud({ hosts: 1 });
    try {
      const host = cloud.hosts[0]!;
      const release = host.volumes.holdNextCreate();
      const op = await createInstance(cloud, 'gone-early', false);
      const vol = await eventually(async () => {
        const v = await rootVolume(cloud, op.resourceId);
        return v?.task === 'creating' ? v : null;
      }, 'the volume is being created');
      const del = await cloud.client.request<Operation>('DELETE', `/api/v1/instances/${op.resourceId}`);
      await eventually(async () => (await rootVolume(cloud, op.resourceId))?.desired === 'deleted', 'the instance asked for its volume to go');
      release();
      const done = await cloud.client.waitOperation(del.id);
      assert.equal(done.status, 'succeeded', done.message);
      assert.equal(host.volumes.has(vol.id), false, 'nothing left on the host');
      assert.deepEqual(await cloud.client.listAll<Volume>('volumes', { instanceId: op.resourceId }), [], 'the volume row is gone');
      const volOps = await cloud.client.listAll<Operation>('operations', { resourceId: vol.id });
      assert.deepEqual(volOps.map((o) => [o.kind, o.status]).sort(), [['volume.create', 'cancelled'], ['volume.delete', 'succeeded']]);
    } finally { await cloud.close(); }
  });

  test('a volume that cannot be created puts the instance in error with the reason; a new start tries the volume again', async () => {
    const cloud = await startTestCloud({ hosts: 1 });
    try {
      const host = cloud.hosts[0]!;
      host.volumes.failNextCreate('pool is full');
      const op = await createInstance(cloud, 'no-disk');
      assert.equal(op.status, 'failed');
      assert.match(op.error?.message ?? '', /volume vol[^ ]* could not be created: .*pool is full/);
      const inst = await cloud.client.get<Instance>('instances', op.resourceId);
      assert.equal(inst.phase, 'error');
      assert.equal(inst.task, null, 'not stuck provisioning');
      const vol = (await rootVolume(cloud, op.resourceId))!;
      assert.equal(vol.phase, 'error');
      assert.match(vol.errorReason ?? '', /pool is full/);

      const start = await cloud.client.request<Operation>('POST', `/api/v1/instances/${op.resourceId}/start`, { query: { wait: true }, body: {} });
      assert.equal(start.status, 'succeeded', start.message);
      assert.equal((await rootVolume(cloud, op.resourceId))!.phase, 'ready');
      assert.equal((await cloud.client.get<Instance>('instances', op.resourceId)).phase, 'running');
      const volOps = await cloud.client.listAll<Operation>('operations', { resourceId: vol.id });
      assert.deepEqual(volOps.map((o) => o.status).sort(), ['failed', 'succeeded'], 'the failed create and the retry, each its own operation');
    } finally { await cloud.close(); }
  });
});
