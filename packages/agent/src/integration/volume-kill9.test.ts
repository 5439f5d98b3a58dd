/**
 * An agent killed -9 in the middle of volume work: the work asked again ends in a clean state
 * (a snapshot to the image store: the upload made, no temp file; an RBD volume made by a full
 * copy: the volume of the right size, no partial image).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { PoolRef } from '@kumo/api';
import { ImageCache } from '@kumo/storage';
import { uniqueRbdName, useTestCephCluster, type TestCephCluster } from '@kumo/storage-rbd/testing';
import { PoolRegistry } from '../pool-registry.ts';
import { QemuVolumeManager } from '../qemu-volume-manager.ts';
import { SnapshotUploader } from '../snapshot-upload.ts';
import { startStubImageStore, type StubImageStore } from '../testing/stub-image-store.ts';

const sh = async (file: string, args: string[]): Promise<string> => (await promisify(execFile)(file, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
const child = new URL('../testing/volume-work-child.ts', import.meta.url).pathname;
const token = 'host-token-k';
let dir: string;
let store: StubImageStore;
let ceph: TestCephCluster;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kumo-vol-kill9-'));
  store = await startStubImageStore(token);
  ceph = await useTestCephCluster();
});
after(async () => {
  await store?.close();
  await ceph?.release();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the child and kills it with SIGKILL once `when()` holds (polled), or fails if it finished first. */
async function killDuring(work: object, when: () => Promise<boolean>): Promise<void> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(work)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  for (let i = 0; i < 1200 && proc.exitCode === null; i++) {
    if (await when()) break;
    await delay(50);
  }
  assert.equal(proc.exitCode, null, `the child finished before it could be killed: ${out}`);
  proc.kill('SIGKILL');
  await exited;
  assert.doesNotMatch(out, /done/);
}

test('a snapshot to the image store cut by kill -9 mid-copy, asked again, ends uploaded with no temp file', async () => {
  const localPool = join(dir, 'pools', 'local');
  const workDir = join(dir, 'tmp', 'snapshots');
  const pool = new PoolRegistry(localPool).local();
  const v = await pool.createVolume({ volumeId: 'vol-k', sizeGiB: 1, source: { kind: 'blank' } });
  for (let i = 0; i < 4; i++) await sh('qemu-io', ['-f', 'qcow2', '-c', `write -P ${i + 1} ${i * 128}M 128M`, v.path]);
  await killDuring(
    { op: 'snapshot', localPool, workDir, storeUrl: store.url, token, volumeId: 'vol-k', snapshotId: 'snap-k' },
    async () => (await readdir(workDir).catch(() => [] as string[])).some((n) => n.endsWith('.partial')),
  );
  assert.ok((await readdir(workDir)).length > 0, 'the killed agent left its temp file');
  const restarted = new QemuVolumeManager(new ImageCache({ dir: join(dir, 'cache') }), localPool, { uploader: new SnapshotUploader(store.url, () => token), workDir });
  const r = await restarted.snapshot({ volumeId: 'vol-k', snapshotId: 'snap-k', pool: { kind: 'directory', path: localPool }, instanceId: '', target: { kind: 'image-store', uploadPath: '/api/v1/snapshots/snap-k/file' } });
  assert.equal(store.uploads.get('/api/v1/snapshots/snap-k/file')?.sha256, r.sha256);
  assert.deepEqual(await readdir(workDir), []);
});

test('regression: an RBD full-copy volume cut by kill -9 mid-copy (its partial image still watched by the dead qemu-img), asked again, ends with the volume and no partial image', async () => {
  const src = join(dir, 'src.raw');
  await sh('qemu-img', ['create', '-q', '-f', 'raw', src, '1G']);
  for (let i = 0; i < 4; i++) await sh('qemu-io', ['-f', 'raw', '-c', `write -P ${i + 1} ${i * 128}M 128M`, src]);
  const ref: PoolRef = { kind: 'rbd', pool: ceph.pool, user: ceph.user, cephConf: ceph.conf };
  const vol = uniqueRbdName('vol');
  const base = { imageVersionId: uniqueRbdName('imgv'), path: src, format: 'raw' as const };
  const ls = async () => (await sh('rbd', ['-c', ceph.conf, '-p', ceph.pool, 'ls'])).split('\n').filter((n) => n.startsWith(vol));
  await killDuring({ op: 'create', pool: ref, volumeId: vol, sizeGiB: 2, base }, async () => (await ls()).includes(`${vol}.partial`));
  const pool = new PoolRegistry('/nonexistent').get(ref);
  await pool.createVolume({ volumeId: vol, sizeGiB: 2, source: { kind: 'image', base, provisioning: 'full' } });
  assert.deepEqual(await ls(), [vol]);
  assert.equal((await pool.volumeInfo(vol))?.sizeBytes, 2 * 1024 ** 3);
  const out = await sh('qemu-io', ['-r', '-f', 'raw', '-c', 'read -P 4 384M 1M', `rbd:${ceph.pool}/${vol}:id=${ceph.user}:conf=${ceph.conf}`]);
  assert.doesNotMatch(out, /fail/i);
  await pool.deleteVolume(vol);
});
