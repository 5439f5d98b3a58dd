import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PoolRef } from '@kumo/api';
import { FakeVolumeManager } from './fake-volume-manager.ts';

const rbd: PoolRef = { kind: 'rbd', pool: 'rbd', user: 'kumo', cephConf: '/etc/ceph/ceph.conf' };
const dir: PoolRef = { kind: 'directory', path: '/pool' };
const create = (volumeId: string, pool: PoolRef, sizeGiB = 1) => ({ volumeId, instanceId: '', sizeGiB, provisioning: 'linked' as const, image: null, pool });
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('the fake keeps the real rules: exact sizes, shrink refused, pool snapshots survive their volume', async () => {
  const v = new FakeVolumeManager('/pool');
  assert.deepEqual(await v.create(create('vol-a', rbd, 2)), { path: 'rbd:rbd/vol-a' });
  assert.deepEqual(await v.create(create('vol-d', dir)), { path: '/pool/volumes/vol-d' });
  await v.create(create('vol-a', rbd, 2));
  await assert.rejects(v.create(create('vol-a', rbd, 3)), code('volume-conflict'));
  await v.resize({ volumeId: 'vol-a', pool: rbd, sizeGiB: 4 });
  await assert.rejects(v.resize({ volumeId: 'vol-a', pool: rbd, sizeGiB: 3 }), code('shrink-refused'));
  assert.equal(v.sizeOf('vol-a'), 4);

  const snap = await v.snapshot({ volumeId: 'vol-a', snapshotId: 's1', pool: rbd, instanceId: '', target: { kind: 'pool' } });
  assert.equal(snap.location, 'pool');
  await assert.rejects(v.snapshot({ volumeId: 'vol-d', snapshotId: 's2', pool: dir, instanceId: '', target: { kind: 'pool' } }), code('bad-request'));
  const img = await v.snapshot({ volumeId: 'vol-d', snapshotId: 's3', pool: dir, instanceId: '', target: { kind: 'image-store', uploadPath: '/api/v1/x' } });
  assert.equal(img.location, 'image-store');
  assert.match(img.sha256 ?? '', /^[0-9a-f]{64}$/);

  await v.delete({ volumeId: 'vol-a', pool: rbd });
  assert.ok(v.hasPoolSnapshot('vol-a', 's1'), 'the snapshot survives its volume');
  await v.create({ ...create('vol-b', rbd, 4), source: { kind: 'pool-snapshot', volumeId: 'vol-a', snapshotId: 's1' } });
  await assert.rejects(v.create({ ...create('vol-c', rbd, 1), source: { kind: 'pool-snapshot', volumeId: 'vol-a', snapshotId: 's1' } }), code('bad-request'));
  await assert.rejects(v.create({ ...create('vol-c', rbd, 4), source: { kind: 'pool-snapshot', volumeId: 'vol-a', snapshotId: 'nope' } }), code('not-found'));
  await v.snapshotDelete({ volumeId: 'vol-a', snapshotId: 's1', pool: rbd });
  await v.snapshotDelete({ volumeId: 'vol-a', snapshotId: 's1', pool: rbd });
  assert.equal(v.hasPoolSnapshot('vol-a', 's1'), false);
});

test('failure injection: the next call of a method fails or waits', async () => {
  const v = new FakeVolumeManager('/pool');
  await v.create(create('vol-a', dir));
  v.failNext('snapshot', 'disk full');
  await assert.rejects(v.snapshot({ volumeId: 'vol-a', snapshotId: 's1', pool: dir, instanceId: '', target: { kind: 'image-store', uploadPath: '/api/v1/x' } }), /disk full/);
  const release = v.holdNext('resize');
  let done = false;
  const p = v.resize({ volumeId: 'vol-a', pool: dir, sizeGiB: 2 }).then(() => { done = true; });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(done, false);
  release();
  await p;
  assert.equal(v.sizeOf('vol-a'), 2);
  v.failNextCreate('no space');
  await assert.rejects(v.create(create('vol-b', dir)), code('volume_failed'));
});
