import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { buildInstanceSpec } from '../../controller/instance-spec.ts';
import { AgentCallError } from '../../gateway/agent-call-error.ts';
import { storageTestbed, type StorageTestbed } from './storage-test-fixture.ts';

/** Snapshots (image store and RBD pool), volumes from them, restore, and RBD pools, against a scripted agent boundary. */
describe('snapshots API and rbd pools', () => {
  let t: StorageTestbed;
  before(async () => { t = await storageTestbed(); });
  after(async () => { await t.close(); });

  const volume = async (name: string, body: object) => {
    const op = await t.op(t.alice, 'POST', '/api/v1/volumes', { name, zoneId: t.zoneId, sizeGiB: 2, ...body });
    return t.ok(t.alice, 'GET', `/api/v1/volumes/${op.resourceId}`);
  };

  test('an image-store snapshot: the host uploads its file, it survives its volume, and a new volume is made from it', async () => {
    const v = await volume('source', { poolId: t.poolIds[0] });
    const op = await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/snapshots`, { name: 'first' });
    const s = await t.ok(t.alice, 'GET', `/api/v1/snapshots/${op.resourceId}`);
    assert.equal(s.phase, 'ready');
    assert.equal(s.location, 'image-store');
    assert.equal(s.volumeId, v.id);
    assert.equal(s.sizeGiB, 2);
    const data = Buffer.from(`snapshot of ${v.id}`);
    assert.equal(s.sha256, createHash('sha256').update(data).digest('hex'));
    assert.equal(s.sizeBytes, data.length);
    const taken = t.callsOf('volume.snapshot').at(-1)!;
    assert.deepEqual(taken.params, { volumeId: v.id, snapshotId: s.id, pool: { kind: 'directory', path: '/var/lib/kumo/pools/0' }, instanceId: '', target: { kind: 'image-store', uploadPath: `/api/v1/snapshots/${s.id}/file` } });
    assert.equal(taken.opts.jobKey, `${s.id}:create`, 'a job the server re-attaches to after a restart');
    const file = await t.call(t.admin, 'GET', `/api/v1/snapshots/${s.id}/file`);
    assert.equal(file.status, 200);
    assert.deepEqual(Buffer.from(file.body as Buffer), data);

    await t.op(t.alice, 'DELETE', `/api/v1/volumes/${v.id}`);
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/snapshots/${s.id}`)).volumeId, v.id, 'the snapshot outlives its volume');

    const small = await t.call(t.alice, 'POST', '/api/v1/volumes', { name: 'too-small', zoneId: t.zoneId, sizeGiB: 1, snapshotId: s.id });
    assert.equal(small.status, 400);
    assert.equal(small.body.error.details.field, 'sizeGiB');
    const copy = await volume('copy', { snapshotId: s.id, sizeGiB: 5 });
    assert.equal(copy.sourceSnapshotId, s.id);
    assert.equal(copy.sizeGiB, 5);
    const made = t.callsOf('volume.create').find((c) => c.params.volumeId === copy.id)!;
    assert.deepEqual(made.params.image, { imageVersionId: s.id, url: `/api/v1/snapshots/${s.id}/file`, sha256: s.sha256, format: 'qcow2', sizeBytes: data.length });

    await t.op(t.alice, 'DELETE', `/api/v1/snapshots/${s.id}`);
    assert.equal((await t.call(t.alice, 'GET', `/api/v1/snapshots/${s.id}`)).status, 404);
    assert.equal(existsSync(`${t.server.ctx.dataDir}/images/snapshots/${s.id}`), false, 'its file is gone');
  });

  test('the snapshot of an attached running volume is taken by the guest\'s host; restore waits for the instance to stop', async () => {
    const vm = await t.instance(t.alice, 'vm-snap', 0);
    const v = await volume('attached', { poolId: t.poolIds[0] });
    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/attach`, { instanceId: vm });
    const op = await t.op(t.alice, 'POST', '/api/v1/snapshots', { volumeId: v.id, name: 'live' });
    assert.equal(t.callsOf('volume.snapshot').at(-1)!.params.instanceId, vm, 'crash-consistent through the running guest');
    const r = await t.call(t.alice, 'POST', `/api/v1/volumes/${v.id}/restore`, { snapshotId: op.resourceId });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'invalid_state');
    assert.match(r.body.error.message, /stop it before restoring/);
    await t.repos.db.updateTable('instances').set({ phase: 'stopped', desired: 'stopped' }).where('id', '=', vm).execute();
    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/restore`, { snapshotId: op.resourceId });
    const rb = t.callsOf('volume.rollback').at(-1)!;
    assert.equal(rb.params.volumeId, v.id);
    assert.equal(rb.params.sizeGiB, 2);
    assert.equal(rb.params.source.kind, 'image');
    assert.equal(rb.params.source.image.url, `/api/v1/snapshots/${op.resourceId}/file`);
    const other = await volume('other', { poolId: t.poolIds[0] });
    const wrong = await t.call(t.alice, 'POST', `/api/v1/volumes/${other.id}/restore`, { snapshotId: op.resourceId });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error.details.field, 'snapshotId');
  });

  test('an upload with the wrong checksum is refused and the snapshot stays pending', async () => {
    const v = await volume('checked', { poolId: t.poolIds[0] });
    let answer: { status: number; body: unknown } | undefined;
    t.script['volume.snapshot'] = async (p) => {
      if (p.target.kind !== 'image-store') throw new Error('image store expected');
      answer = await t.call(t.admin, 'PUT', p.target.uploadPath, Buffer.from('data'), { 'x-kumo-sha256': 'b'.repeat(64) });
      throw new Error('upload refused');
    };
    try {
      const op = await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/snapshots`, { name: 'bad' }, 'failed');
      assert.equal(answer?.status, 400);
      assert.match(op.error.message, /upload refused/);
      const s = await t.ok(t.alice, 'GET', `/api/v1/snapshots/${op.resourceId}`);
      assert.equal(s.phase, 'error');
      assert.equal(s.sha256, null);
    } finally { delete t.script['volume.snapshot']; }
  });

  test('rbd pools: created by admins with their Ceph settings; volumes there are RBD images the guest opens through librbd; snapshots stay in the pool', async () => {
    const bad = await t.call(t.admin, 'POST', '/api/v1/pools', { name: 'ceph', clusterId: t.clusterId, kind: 'rbd', capacityGiB: 100 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.field, 'rbdPool');
    const pool = await t.ok(t.admin, 'POST', '/api/v1/pools', { name: 'ceph', clusterId: t.clusterId, kind: 'rbd', rbdPool: 'kumo', cephUser: 'kumo', capacityGiB: 100 });
    assert.deepEqual(pool.rbd, { pool: 'kumo', user: 'kumo', cephConf: '/etc/ceph/ceph.conf' });
    const rbdRef = { kind: 'rbd', pool: 'kumo', user: 'kumo', cephConf: '/etc/ceph/ceph.conf' };

    const v = await volume('on-ceph', {});
    assert.equal((await t.ok(t.admin, 'GET', `/api/v1/volumes/${v.id}`)).poolId, pool.id, 'a pool every host reaches comes first');
    assert.equal(v.path, `rbd:kumo/${v.id}`);
    assert.deepEqual(t.callsOf('volume.create').at(-1)!.params.pool, rbdRef);

    const far = await t.instance(t.alice, 'vm-h1', 1);
    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/attach`, { instanceId: far });
    const disk = t.callsOf('instance.attachDisk').at(-1)!.params.disk;
    assert.deepEqual(disk.rbd, { pool: 'kumo', image: v.id, user: 'kumo', cephConf: '/etc/ceph/ceph.conf' });
    assert.equal(disk.format, 'raw');
    const { spec } = await buildInstanceSpec(t.repos, (await t.repos.instances.getAny(far))!);
    assert.deepEqual(spec.disks[0]?.rbd, disk.rbd);

    const snapOp = await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/snapshots`, { name: 'rbd-snap' });
    const s = await t.ok(t.alice, 'GET', `/api/v1/snapshots/${snapOp.resourceId}`);
    assert.equal(s.location, 'pool');
    assert.deepEqual(t.callsOf('volume.snapshot').at(-1)!.params.target, { kind: 'pool' });

    const otherPool = await t.call(t.alice, 'POST', '/api/v1/volumes', { name: 'clone-elsewhere', zoneId: t.zoneId, snapshotId: s.id, poolId: t.poolIds[0] });
    assert.equal(otherPool.status, 400);
    assert.equal(otherPool.body.error.details.field, 'poolId');
    const clone = await volume('clone', { snapshotId: s.id });
    assert.equal((await t.ok(t.admin, 'GET', `/api/v1/volumes/${clone.id}`)).poolId, pool.id);
    assert.deepEqual(t.callsOf('volume.create').at(-1)!.params.source, { kind: 'pool-snapshot', volumeId: v.id, snapshotId: s.id });

    const inUse = await t.call(t.alice, 'DELETE', `/api/v1/snapshots/${s.id}`);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.error.code, 'in_use');
    assert.deepEqual(inUse.body.error.details.volumeIds, [clone.id]);
    await t.op(t.alice, 'DELETE', `/api/v1/volumes/${clone.id}`);
    await t.op(t.alice, 'DELETE', `/api/v1/snapshots/${s.id}`);
    assert.deepEqual(t.callsOf('volume.snapshotDelete').at(-1)!.params, { volumeId: v.id, snapshotId: s.id, pool: rbdRef });
  });

  test('a host that goes away during a snapshot: the snapshot stays pending and is taken again (same job key) once the host is back', async () => {
    const v = await volume('interrupted', { poolId: t.poolIds[0] });
    let attempts = 0;
    t.script['volume.snapshot'] = async (_p, hostId) => { attempts++; t.connected.delete(hostId); throw new Error('connection lost'); };
    let opId = '';
    try {
      const r = await t.call(t.alice, 'POST', `/api/v1/volumes/${v.id}/snapshots`, { name: 'interrupted' });
      assert.equal(r.status, 202);
      opId = r.body.id;
      await t.until(async () => attempts === 1, 'the snapshot job reached the host');
      const s = await t.until(async () => { const x = await t.repos.snapshots.getAny(r.body.resourceId); return x?.task === 'creating' ? x : null; }, 'creating');
      assert.equal(s.phase, 'pending');
      assert.equal((await t.repos.operations.getAny(opId))?.status, 'running');
    } finally { delete t.script['volume.snapshot']; }
    t.connected.add(t.hostIds[0]!);
    const done = await t.until(async () => { const o = await t.repos.operations.getAny(opId); return o?.status === 'succeeded' ? o : null; }, 'the snapshot is taken');
    const s = await t.ok(t.alice, 'GET', `/api/v1/snapshots/${done.resourceId}`);
    assert.equal(s.phase, 'ready');
    const jobs = t.callsOf('volume.snapshot').filter((c) => c.params.snapshotId === s.id).map((c) => c.opts.jobKey);
    assert.deepEqual([...new Set(jobs)], [`${s.id}:create`], 'every attempt is the same job');
  });

  test('a snapshot being taken can be cancelled: the host job is stopped, the operation ends cancelled, nothing of the snapshot stays', async () => {
    const v = await volume('cancel-me', { poolId: t.poolIds[0] });
    let started = false;
    t.script['volume.snapshot'] = (_p, _h, opts) => new Promise((_resolve, reject) => {
      started = true;
      opts.signal?.addEventListener('abort', () => reject(new AgentCallError('cancelled', 'job cancelled; the partial file was removed')));
    });
    try {
      const r = await t.call(t.alice, 'POST', `/api/v1/volumes/${v.id}/snapshots`, { name: 'doomed' });
      assert.equal(r.status, 202);
      await t.until(async () => started, 'the job runs on the host');
      const c = await t.call(t.alice, 'POST', `/api/v1/operations/${r.body.id}/cancel`);
      assert.equal(c.status, 202, JSON.stringify(c.body));
      assert.ok(c.body.cancelRequestedAt, 'the cancel is recorded');
      const done = await t.until(async () => { const o = await t.repos.operations.getAny(r.body.id); return o?.status === 'cancelled' ? o : null; }, 'the operation is cancelled');
      assert.match(done.message, /cancelled/);
      assert.equal((await t.call(t.alice, 'GET', `/api/v1/snapshots/${r.body.resourceId}`)).status, 404);
      assert.equal((await t.ok(t.alice, 'GET', `/api/v1/volumes/${v.id}`)).task, null, 'the volume is as it was');
    } finally { delete t.script['volume.snapshot']; }
  });
});
