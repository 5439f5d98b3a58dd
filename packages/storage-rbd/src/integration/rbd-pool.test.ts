/** RbdPool against a real single-node Ceph cluster (the shared test cluster, see testing/). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StorageError, type BaseImage } from '@kumo/storage';
import { RbdPool } from '../rbd-pool.ts';
import { uniqueRbdName, useTestCephCluster, type TestCephCluster } from '../testing/index.ts';

const sh = async (file: string, args: string[]): Promise<string> => (await promisify(execFile)(file, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
const GiB = 1024 ** 3;
const isCode = (code: string) => (e: unknown) => e instanceof StorageError && e.code === code;

let ceph: TestCephCluster;
let dir: string;
let pool: RbdPool;
before(async () => {
  ceph = await useTestCephCluster();
  dir = await mkdtemp(join(tmpdir(), 'kumo-rbd-test-'));
  pool = new RbdPool({ pool: ceph.pool, user: ceph.user, cephConf: ceph.conf });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await ceph?.release();
});

const rbd = (...args: string[]) => sh('rbd', ['-c', ceph.conf, '-p', ceph.pool, ...args]);
const rbdJson = async <T>(...args: string[]): Promise<T> => JSON.parse(await rbd(...args, '--format', 'json')) as T;
const images = async (prefix: string) => (await rbdJson<string[]>('ls')).filter((n) => n.includes(prefix)).sort();
const uri = (image: string, snap?: string) => `rbd:${ceph.pool}/${image}${snap ? `@${snap}` : ''}:id=${ceph.user}:conf=${ceph.conf}`;

async function writeAt(image: string, pattern: number, offset: string, length: string): Promise<void> {
  await sh('qemu-io', ['-f', 'raw', '-c', `write -P ${pattern} ${offset} ${length}`, uri(image)]);
}
async function assertPattern(spec: string, format: 'raw' | 'qcow2', pattern: number, offset: string, length: string): Promise<void> {
  const out = await sh('qemu-io', ['-r', '-U', '-f', format, '-c', `read -P ${pattern} ${offset} ${length}`, spec]);
  assert.doesNotMatch(out, /Pattern verification failed|fail/i, `${spec} at ${offset} is not ${pattern}`);
}

/** A qcow2 "image in the host cache" of the given virtual size with 1 MiB of 0xab at 0. */
async function cachedImage(size: string): Promise<BaseImage> {
  const id = uniqueRbdName('imgv');
  const path = join(dir, `${id}.qcow2`);
  await sh('qemu-img', ['create', '-q', '-f', 'qcow2', path, size]);
  await sh('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0xab 0 1M', path]);
  return { imageVersionId: id, path, format: 'qcow2' };
}

test('root disks are layered clones of the base\'s protected snapshot: nothing copied, whatever the image size', async () => {
  for (const size of ['64M', '4G']) {
    const base = await cachedImage(size);
    const vol = uniqueRbdName('vol');
    const access = await pool.createVolume({ volumeId: vol, sizeGiB: 5, source: { kind: 'image', base, provisioning: 'linked' } });
    assert.deepEqual(access, { path: `rbd:${ceph.pool}/${vol}`, format: 'raw', rbd: { pool: ceph.pool, image: vol, user: ceph.user, cephConf: ceph.conf } });
    const info = await rbdJson<{ size: number; parent?: { image: string; snapshot: string } }>('info', vol);
    assert.equal(info.size, 5 * GiB, 'exactly the size asked');
    assert.deepEqual([info.parent?.image, info.parent?.snapshot], [`kumo-base.${base.imageVersionId}`, 'kumo-base']);
    const du = await rbdJson<{ images: Array<{ name: string; used_size: number }> }>('du', vol);
    assert.equal(du.images[0]?.used_size, 0, 'the clone holds no data of its own');
    await assertPattern(uri(vol), 'raw', 0xab, '0', '1M');
    await writeAt(vol, 0xcd, '0', '1M');
    await assertPattern(uri(`kumo-base.${base.imageVersionId}`, 'kumo-base'), 'raw', 0xab, '0', '1M');
    await pool.deleteVolume(vol);
    assert.deepEqual(await images(vol), []);
  }
});

test('two hosts creating root disks from one image at once import its base once', async () => {
  const base = await cachedImage('256M');
  const other = new RbdPool({ pool: ceph.pool, user: ceph.user, cephConf: ceph.conf, baseLock: { pollMs: 50 } });
  const [a, b] = [uniqueRbdName('vol'), uniqueRbdName('vol')];
  await Promise.all([
    pool.createVolume({ volumeId: a, sizeGiB: 1, source: { kind: 'image', base, provisioning: 'linked' } }),
    other.createVolume({ volumeId: b, sizeGiB: 1, source: { kind: 'image', base, provisioning: 'linked' } }),
  ]);
  assert.deepEqual(await images(base.imageVersionId), [`kumo-base.${base.imageVersionId}`], 'one base, no lock or work image left');
  await assertPattern(uri(a), 'raw', 0xab, '0', '1M');
  await assertPattern(uri(b), 'raw', 0xab, '0', '1M');
  await pool.deleteVolume(a);
  await other.deleteVolume(b);
});

test('blank and full-copy volumes have exactly the size asked; a repeat returns the volume, another size conflicts', async () => {
  const vol = uniqueRbdName('vol');
  await pool.createVolume({ volumeId: vol, sizeGiB: 3, source: { kind: 'blank' } });
  assert.equal((await pool.volumeInfo(vol))?.sizeBytes, 3 * GiB);
  await pool.createVolume({ volumeId: vol, sizeGiB: 3, source: { kind: 'blank' } });
  await assert.rejects(pool.createVolume({ volumeId: vol, sizeGiB: 4, source: { kind: 'blank' } }), isCode('volume-conflict'));
  const full = uniqueRbdName('vol');
  await pool.createVolume({ volumeId: full, sizeGiB: 2, source: { kind: 'image', base: await cachedImage('64M'), provisioning: 'full' } });
  const info = await rbdJson<{ size: number; parent?: unknown }>('info', full);
  assert.equal(info.size, 2 * GiB);
  assert.equal(info.parent, undefined, 'a full copy has no parent');
  await assertPattern(uri(full), 'raw', 0xab, '0', '1M');
  await assert.rejects(pool.createVolume({ volumeId: 'bad/id', sizeGiB: 1, source: { kind: 'blank' } }), isCode('bad-request'));
  await assert.rejects(pool.createVolume({ volumeId: uniqueRbdName('vol'), sizeGiB: 0, source: { kind: 'blank' } }), isCode('bad-request'));
  await assert.rejects(pool.createVolume({ volumeId: uniqueRbdName('vol'), sizeGiB: 1, source: { kind: 'image', base: await cachedImage('2G'), provisioning: 'linked' } }), isCode('bad-request'));
  await pool.growVolume(vol, 5);
  assert.equal((await pool.volumeInfo(vol))?.sizeBytes, 5 * GiB);
  await assert.rejects(pool.growVolume(vol, 4), isCode('shrink-refused'));
  assert.equal((await pool.volumeInfo(vol))?.sizeBytes, 5 * GiB);
  await pool.deleteVolume(vol);
  await pool.deleteVolume(vol);
  await pool.deleteVolume(full);
});

test('snapshots survive the deletion of their volume: clone and export them; the volume goes with its last snapshot', async () => {
  const vol = uniqueRbdName('vol');
  await pool.createVolume({ volumeId: vol, sizeGiB: 1, source: { kind: 'blank' } });
  await writeAt(vol, 0x5a, '4M', '1M');
  await pool.createSnapshot(vol, 'snap-1');
  await pool.createSnapshot(vol, 'snap-1'); // repeated (e.g. after the agent was killed): the same snapshot
  await writeAt(vol, 0x77, '4M', '1M');
  await pool.deleteVolume(vol);
  assert.deepEqual(await images(vol), [`${vol}.deleted`]);
  assert.equal(await pool.volumeInfo(vol), null);

  const copy = uniqueRbdName('vol');
  await pool.createVolume({ volumeId: copy, sizeGiB: 2, source: { kind: 'pool-snapshot', volumeId: vol, snapshotId: 'snap-1' } });
  await assertPattern(uri(copy), 'raw', 0x5a, '4M', '1M');
  assert.equal((await pool.volumeInfo(copy))?.sizeBytes, 2 * GiB);

  const file = join(dir, `${vol}.qcow2`);
  const progress: number[] = [];
  await pool.exportSnapshot(vol, 'snap-1', { path: file, format: 'qcow2' }, { onProgress: (p) => progress.push(p.bytesDone) });
  await assertPattern(file, 'qcow2', 0x5a, '4M', '1M');
  assert.equal(progress.at(-1), GiB);

  await assert.rejects(pool.deleteSnapshot(vol, 'snap-1'), isCode('in-use'));
  await pool.deleteVolume(copy);
  await pool.deleteSnapshot(vol, 'snap-1');
  assert.deepEqual(await images(vol), [], 'the hidden volume went with its last snapshot');
  await pool.deleteSnapshot(vol, 'snap-1');
});

test('rollback to a pool snapshot and from a file; a failed rollback from a file keeps the old contents', async () => {
  const vol = uniqueRbdName('vol');
  await pool.createVolume({ volumeId: vol, sizeGiB: 1, source: { kind: 'blank' } });
  await writeAt(vol, 0x11, '0', '1M');
  await pool.createSnapshot(vol, 'snap-a');
  await writeAt(vol, 0x22, '0', '1M');
  await pool.growVolume(vol, 2);
  await pool.rollback(vol, 1, { kind: 'pool-snapshot', snapshotId: 'snap-a' });
  await assertPattern(uri(vol), 'raw', 0x11, '0', '1M');
  assert.equal((await pool.volumeInfo(vol))?.sizeBytes, GiB);

  const file = join(dir, `${vol}-file.qcow2`);
  await sh('qemu-img', ['create', '-q', '-f', 'qcow2', file, '1G']);
  await sh('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x33 0 1M', file]);
  await pool.rollback(vol, 2, { kind: 'file', file: { path: file, format: 'qcow2' } });
  await assertPattern(uri(vol), 'raw', 0x33, '0', '1M');
  assert.equal((await pool.volumeInfo(vol))?.sizeBytes, 2 * GiB);

  const corrupt = join(dir, `${vol}-corrupt.raw`);
  await writeFile(corrupt, Buffer.alloc(4096, 1));
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(pool.rollback(vol, 2, { kind: 'file', file: { path: corrupt, format: 'raw' } }, { signal: abort.signal }), isCode('cancelled'));
  await assertPattern(uri(vol), 'raw', 0x33, '0', '1M');
  const snaps = await rbdJson<Array<{ name: string }>>('snap', 'ls', vol);
  assert.deepEqual(snaps.map((s) => s.name), ['snap-a'], 'no rollback snapshot left');
  await pool.deleteSnapshot(vol, 'snap-a');
  await pool.deleteVolume(vol);
  assert.deepEqual(await images(vol), []);
});

test('usage counts volumes and their provisioned size', async () => {
  const vol = uniqueRbdName('vol');
  await pool.createVolume({ volumeId: vol, sizeGiB: 2, source: { kind: 'blank' } });
  const u = await pool.usage();
  assert.ok(u.volumeCount >= 1);
  assert.ok(u.provisionedGiB >= 2);
  await pool.deleteVolume(vol);
});

test('a create repeated after a killed agent left a partial image ends with the volume and nothing else', async () => {
  const vol = uniqueRbdName('vol');
  await rbd('create', '--size', '1G', `${vol}.partial`);
  await pool.createVolume({ volumeId: vol, sizeGiB: 2, source: { kind: 'blank' } });
  assert.deepEqual(await images(vol), [vol]);
  assert.equal((await pool.volumeInfo(vol))?.sizeBytes, 2 * GiB);
  await pool.deleteVolume(vol);
});

test('a base lock left by a dead host is broken once it stops changing, and the base is imported', async () => {
  const base = await cachedImage('64M');
  await rbd('create', '--size', '1M', `kumo-base.${base.imageVersionId}.lock`);
  const other = new RbdPool({ pool: ceph.pool, user: ceph.user, cephConf: ceph.conf, baseLock: { staleMs: 1500, pollMs: 100 } });
  const vol = uniqueRbdName('vol');
  await other.createVolume({ volumeId: vol, sizeGiB: 1, source: { kind: 'image', base, provisioning: 'linked' } });
  assert.deepEqual(await images(base.imageVersionId), [`kumo-base.${base.imageVersionId}`]);
  await other.deleteVolume(vol);
});

test('every rbd call has a deadline: a cluster that does not answer fails with timeout', async () => {
  const conf = join(dir, 'unreachable.conf');
  const text = (await readFile(ceph.conf, 'utf8')).replace(/mon host = .*/, 'mon host = v2:127.0.0.1:9');
  await writeFile(conf, text);
  const dead = new RbdPool({ pool: ceph.pool, user: ceph.user, cephConf: conf, callTimeoutMs: 3000 });
  await assert.rejects(dead.volumeInfo('vol-x'), isCode('timeout'));
});
