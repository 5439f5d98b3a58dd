/**
 * The agent's volume.* handlers on a directory pool (real qemu-img) and on an RBD pool (the
 * shared Ceph test cluster), with a stub image store receiving snapshot uploads.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { systemClock, type DriverCallContext, type JobProgress } from '@kumo/core';
import type { PoolRef } from '@kumo/api';
import { FakeDriver } from '@kumo/driver-fake';
import { ImageCache, StorageError } from '@kumo/storage';
import { uniqueRbdName, useTestCephCluster, type TestCephCluster } from '@kumo/storage-rbd/testing';
import { callHandlers, type CallHandlers } from '../call-handlers.ts';
import { HostTransfers } from '../host-transfers.ts';
import { JobRunner } from '../job-runner.ts';
import { QemuVolumeManager } from '../qemu-volume-manager.ts';
import { SnapshotUploader } from '../snapshot-upload.ts';
import { startStubImageStore, type StubImageStore } from '../testing/stub-image-store.ts';

const sh = async (file: string, args: string[]): Promise<string> => (await promisify(execFile)(file, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
const GiB = 1024 ** 3;
const token = 'host-token-1';

let dir: string;
let store: StubImageStore;
let ceph: TestCephCluster;
let driver: FakeDriver;
let manager: QemuVolumeManager;
let h: CallHandlers;
let localPool: string;
let dirPool: PoolRef;
let rbdPool: PoolRef;
const backupCalls: Array<{ instanceId: string; volumeId: string; target: { path: string; format: string } }> = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kumo-vol-handlers-'));
  store = await startStubImageStore(token);
  ceph = await useTestCephCluster();
  localPool = join(dir, 'pools', 'local');
  dirPool = { kind: 'directory', path: localPool };
  rbdPool = { kind: 'rbd', pool: ceph.pool, user: ceph.user, cephConf: ceph.conf };
  // A small fake driver: one running guest whose disk backup is a qemu-img copy of the volume file.
  driver = new FakeDriver({ hostname: 'h1' });
  driver.inspect = async (instanceId) => ({ instanceId, power: instanceId === 'i-running' ? 'running' : 'stopped' });
  driver.backupDisk = async (instanceId, volumeId, target, ctx) => {
    backupCalls.push({ instanceId, volumeId, target });
    await sh('qemu-img', ['convert', '-U', '-f', 'qcow2', '-O', target.format, join(localPool, 'volumes', volumeId), target.path]);
    ctx?.onProgress?.({ phase: 'backup', bytesDone: GiB, bytesTotal: GiB });
    return { bytes: GiB };
  };
  const cache = new ImageCache({ dir: join(dir, 'images'), baseUrl: store.url, authHeader: () => `Bearer ${token}` });
  manager = new QemuVolumeManager(cache, localPool, { driver, uploader: new SnapshotUploader(store.url, () => token), workDir: join(dir, 'tmp', 'snapshots') });
  h = callHandlers({ driver, volumes: manager, network: undefined, transfers: new HostTransfers('127.0.0.1'), jobs: new JobRunner({ clock: systemClock, send: () => undefined }), prepareStart: undefined });
});
after(async () => {
  await store?.close();
  await ceph?.release();
  await rm(dir, { recursive: true, force: true });
});

function recorder(): { ctx: DriverCallContext; phases: () => Set<string> } {
  const seen: JobProgress[] = [];
  return { ctx: { onProgress: (p) => seen.push(p) }, phases: () => new Set(seen.map((p) => p.phase)) };
}
const uri = (image: string) => `rbd:${ceph.pool}/${image}:id=${ceph.user}:conf=${ceph.conf}`;
const isCode = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

async function assertPattern(spec: string, format: 'raw' | 'qcow2', pattern: number, offset: string, length: string): Promise<void> {
  const out = await sh('qemu-io', ['-r', '-U', '-f', format, '-c', `read -P ${pattern} ${offset} ${length}`, spec]);
  assert.doesNotMatch(out, /Pattern verification failed|fail/i, `${spec} at ${offset} is not ${pattern}`);
}
async function writeAt(spec: string, format: 'raw' | 'qcow2', pattern: number, offset: string, length: string): Promise<void> {
  await sh('qemu-io', ['-f', format, '-c', `write -P ${pattern} ${offset} ${length}`, spec]);
}
const tempFiles = async () => (await readdir(join(dir, 'tmp', 'snapshots')).catch(() => [] as string[]));

function makeCreate(volumeId: string, pool: PoolRef, sizeGiB = 1) {
  return { volumeId, instanceId: '', sizeGiB, provisioning: 'linked' as const, image: null, pool };
}

test('offline snapshot to the image store: the volume is exported, uploaded with the host token and its sha256, the temp file removed', async () => {
  const { path } = await h['volume.create'](makeCreate('vol-off', dirPool), {});
  await writeAt(path, 'qcow2', 0x42, '1M', '1M');
  const rec = recorder();
  const r = await h['volume.snapshot']({ volumeId: 'vol-off', snapshotId: 'snap-off', pool: dirPool, instanceId: '', target: { kind: 'image-store', uploadPath: '/api/v1/snapshots/snap-off/file' } }, rec.ctx);
  const up = store.uploads.get('/api/v1/snapshots/snap-off/file');
  assert.ok(up);
  assert.equal(up.authorization, `Bearer ${token}`);
  assert.equal(up.contentType, 'application/octet-stream');
  assert.deepEqual(r, { sizeBytes: up.bytes.length, sha256: up.sha256, format: 'qcow2', location: 'image-store' });
  assert.deepEqual([...rec.phases()].sort(), ['copying disk', 'uploading']);
  assert.equal(backupCalls.length, 0, 'an offline volume is read directly');
  assert.deepEqual(await tempFiles(), []);
  const copy = join(dir, 'uploaded.qcow2');
  await writeFile(copy, up.bytes);
  await assertPattern(copy, 'qcow2', 0x42, '1M', '1M');

  // Roll the volume back to the uploaded snapshot, fetched like any image.
  await writeAt(path, 'qcow2', 0x99, '1M', '1M');
  await h['volume.rollback']({
    volumeId: 'vol-off', pool: dirPool, sizeGiB: 1,
    source: { kind: 'image', image: { imageVersionId: 'snap-off', url: '/api/v1/snapshots/snap-off/file', sha256: up.sha256, format: 'qcow2', sizeBytes: up.bytes.length } },
  }, {});
  await assertPattern(path, 'qcow2', 0x42, '1M', '1M');
});

test('snapshot of a running guest\'s disk goes through the driver\'s backup', async () => {
  await h['volume.create'](makeCreate('vol-run', dirPool), {});
  const r = await h['volume.snapshot']({ volumeId: 'vol-run', snapshotId: 'snap-run', pool: dirPool, instanceId: 'i-running', target: { kind: 'image-store', uploadPath: '/api/v1/snapshots/snap-run/file' } }, {});
  assert.equal(backupCalls.length, 1);
  assert.equal(backupCalls[0]?.instanceId, 'i-running');
  assert.equal(backupCalls[0]?.volumeId, 'vol-run');
  assert.equal(backupCalls[0]?.target.format, 'qcow2');
  assert.equal(r.location, 'image-store');
  assert.equal(store.uploads.get('/api/v1/snapshots/snap-run/file')?.sha256, r.sha256);
  // A stopped guest's volume is read directly.
  await h['volume.snapshot']({ volumeId: 'vol-run', snapshotId: 'snap-run2', pool: dirPool, instanceId: 'i-stopped', target: { kind: 'image-store', uploadPath: '/api/v1/snapshots/snap-run2/file' } }, {});
  assert.equal(backupCalls.length, 1);
  assert.deepEqual(await tempFiles(), []);
});

test('a snapshot upload that is cancelled or refused leaves no temp file and no upload', async () => {
  await h['volume.create'](makeCreate('vol-cancel', dirPool), {});
  const release = store.holdNextUpload();
  const abort = new AbortController();
  const p = h['volume.snapshot']({ volumeId: 'vol-cancel', snapshotId: 'snap-c', pool: dirPool, instanceId: '', target: { kind: 'image-store', uploadPath: '/api/v1/snapshots/snap-c/file' } }, { signal: abort.signal });
  const rejected = assert.rejects(p, isCode('cancelled'));
  setTimeout(() => abort.abort(), 300);
  await rejected;
  release();
  assert.equal(store.uploads.has('/api/v1/snapshots/snap-c/file'), false);
  assert.deepEqual(await tempFiles(), []);

  store.failNextUpload(500);
  await assert.rejects(h['volume.snapshot']({ volumeId: 'vol-cancel', snapshotId: 'snap-f', pool: dirPool, instanceId: '', target: { kind: 'image-store', uploadPath: '/api/v1/snapshots/snap-f/file' } }, {}), /HTTP 500/);
  assert.deepEqual(await tempFiles(), []);
});

test('a snapshot repeated after the agent was killed mid-way starts clean (left-over temp files are removed)', async () => {
  await h['volume.create'](makeCreate('vol-kill', dirPool), {});
  const work = join(dir, 'tmp', 'snapshots-2');
  await mkdir(work, { recursive: true });
  await writeFile(join(work, 'snap-k.qcow2.partial'), 'half a copy from the killed agent');
  await writeFile(join(work, 'snap-old.qcow2'), 'another left-over');
  const cache = new ImageCache({ dir: join(dir, 'images'), baseUrl: store.url, authHeader: () => `Bearer ${token}` });
  const restarted = new QemuVolumeManager(cache, localPool, { driver, uploader: new SnapshotUploader(store.url, () => token), workDir: work });
  const r = await restarted.snapshot({ volumeId: 'vol-kill', snapshotId: 'snap-k', pool: dirPool, instanceId: '', target: { kind: 'image-store', uploadPath: '/api/v1/snapshots/snap-k/file' } });
  assert.equal(store.uploads.get('/api/v1/snapshots/snap-k/file')?.sha256, r.sha256);
  assert.deepEqual(await readdir(work), []);
});

test('resize grows a volume; shrinking and unknown volumes are refused', async () => {
  await h['volume.create'](makeCreate('vol-grow', dirPool), {});
  await h['volume.resize']({ volumeId: 'vol-grow', pool: dirPool, sizeGiB: 3 }, {});
  assert.equal((await manager.registry.get(dirPool).volumeInfo('vol-grow'))?.sizeBytes, 3 * GiB);
  await assert.rejects(h['volume.resize']({ volumeId: 'vol-grow', pool: dirPool, sizeGiB: 2 }, {}), (e) => e instanceof StorageError && e.code === 'shrink-refused');
  await assert.rejects(h['volume.resize']({ volumeId: 'vol-none', pool: dirPool, sizeGiB: 2 }, {}), isCode('not-found'));
  await assert.rejects(h['volume.snapshot']({ volumeId: 'vol-grow', snapshotId: 'snap-p', pool: dirPool, instanceId: '', target: { kind: 'pool' } }, {}), isCode('bad-request'));
});

test('RBD pool: pool snapshots (also of a running guest), volume from a snapshot of a deleted volume, export to the image store, rollback', async () => {
  const vol = uniqueRbdName('vol');
  const { path } = await h['volume.create'](makeCreate(vol, rbdPool, 2), {});
  assert.equal(path, `rbd:${ceph.pool}/${vol}`);
  await writeAt(uri(vol), 'raw', 0x61, '0', '1M');
  const snap = await h['volume.snapshot']({ volumeId: vol, snapshotId: 'snap-1', pool: rbdPool, instanceId: 'i-running', target: { kind: 'pool' } }, {});
  assert.deepEqual(snap, { sizeBytes: 2 * GiB, sha256: null, format: 'raw', location: 'pool' });
  assert.equal(backupCalls.filter((c) => c.volumeId === vol).length, 0, 'an RBD snapshot needs no backup job');
  // Repeated (as after an agent killed -9 before it answered): the same snapshot, no error.
  await h['volume.snapshot']({ volumeId: vol, snapshotId: 'snap-1', pool: rbdPool, instanceId: '', target: { kind: 'pool' } }, {});
  await writeAt(uri(vol), 'raw', 0x62, '0', '1M');
  await h['volume.rollback']({ volumeId: vol, pool: rbdPool, sizeGiB: 2, source: { kind: 'pool-snapshot', volumeId: vol, snapshotId: 'snap-1' } }, {});
  await assertPattern(uri(vol), 'raw', 0x61, '0', '1M');

  await h['volume.delete']({ volumeId: vol, pool: rbdPool }, {});
  const copy = uniqueRbdName('vol');
  await h['volume.create']({ ...makeCreate(copy, rbdPool, 2), source: { kind: 'pool-snapshot', volumeId: vol, snapshotId: 'snap-1' } }, {});
  await assertPattern(uri(copy), 'raw', 0x61, '0', '1M');

  const rec = recorder();
  const exp = await h['volume.snapshotExport']({ volumeId: vol, snapshotId: 'snap-1', pool: rbdPool, uploadPath: `/api/v1/snapshots/${vol}/file` }, rec.ctx);
  const up = store.uploads.get(`/api/v1/snapshots/${vol}/file`);
  assert.deepEqual(exp, { sizeBytes: up?.bytes.length, sha256: up?.sha256, format: 'qcow2' });
  assert.ok(rec.phases().has('exporting snapshot'));
  const file = join(dir, 'rbd-export.qcow2');
  await writeFile(file, up?.bytes ?? Buffer.alloc(0));
  await assertPattern(file, 'qcow2', 0x61, '0', '1M');

  await assert.rejects(h['volume.snapshotDelete']({ volumeId: vol, snapshotId: 'snap-1', pool: rbdPool }, {}), isCode('in-use'));
  await h['volume.delete']({ volumeId: copy, pool: rbdPool }, {});
  await h['volume.snapshotDelete']({ volumeId: vol, snapshotId: 'snap-1', pool: rbdPool }, {});
  await h['volume.snapshotDelete']({ volumeId: vol, snapshotId: 'snap-1', pool: rbdPool }, {});
  const left = (await sh('rbd', ['-c', ceph.conf, '-p', ceph.pool, 'ls'])).split('\n').filter((n) => n.includes(vol) || n.includes(copy));
  assert.deepEqual(left, []);
});
