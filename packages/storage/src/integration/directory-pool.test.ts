/** DirectoryPool against real qemu-img (Debian package qemu-utils) on temp directories. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryPool, type BaseImage } from '../directory-pool.ts';
import { StorageError } from '../storage-error.ts';
import { logRecorder } from '../testing/log-recorder.ts';
import { assertPattern, backingChain, makeQcow2, sh, sha256Of, writePattern } from './qemu-img-fixtures.ts';

type Ctx = { after(fn: () => unknown): void };
const GiB = 1024 ** 3;

async function tempDir(t: Ctx): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-pool-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A 64 MiB qcow2 "image in the cache" with 1 MiB of 0xab at 0 and 1 MiB of 0x11 at 32 MiB. */
async function cachedQcow2(dir: string, id = 'imgv-1'): Promise<BaseImage> {
  const path = join(dir, `${id}.cache.qcow2`);
  await makeQcow2(path, '64M', [{ pattern: 0xab, offset: '0', length: '1M' }, { pattern: 0x11, offset: '32M', length: '1M' }]);
  return { imageVersionId: id, path, format: 'qcow2' };
}

test('a linked clone is a qcow2 overlay on the pool base; its writes never reach the base', async (t) => {
  const dir = await tempDir(t);
  const src = await cachedQcow2(dir);
  const srcHash = await sha256Of(src.path);
  const rec = logRecorder();
  const pool = new DirectoryPool({ path: join(dir, 'pool'), log: rec.log });
  const a = await pool.createRootDisk({ volumeId: 'vol-a', sizeGiB: 1, provisioning: 'linked', base: src });
  const b = await pool.createRootDisk({ volumeId: 'vol-b', sizeGiB: 2, provisioning: 'linked', base: src });
  assert.deepEqual(a, { path: join(dir, 'pool', 'volumes', 'vol-a'), format: 'qcow2' });
  assert.equal(rec.count('base image copied'), 1, 'the base is copied once per pool');

  const basePath = join(dir, 'pool', 'bases', 'imgv-1.qcow2');
  const chain = await backingChain(a.path);
  assert.equal(chain.length, 2);
  assert.equal(chain[0]?.['virtual-size'], 1 * GiB);
  assert.equal(chain[0]?.['backing-filename'], '../bases/imgv-1.qcow2', 'relative, so shared pools may be mounted anywhere');
  assert.equal(chain[0]?.['full-backing-filename'], `${dir}/pool/volumes/../bases/imgv-1.qcow2`);
  assert.equal(chain[1]?.format, 'qcow2');
  assert.equal((await stat(basePath)).mode & 0o777, 0o444, 'bases are read-only');
  assert.ok((await stat(a.path)).size < 1024 * 1024, 'the overlay holds no image data');

  const baseHash = await sha256Of(basePath);
  await writePattern(a.path, 'qcow2', 0xcd, '0', '2M');
  await assertPattern(a.path, 'qcow2', 0xcd, '0', '2M');
  await assertPattern(a.path, 'qcow2', 0x11, '32M', '1M');
  await assertPattern(b.path, 'qcow2', 0xab, '0', '1M');
  await assertPattern(basePath, 'qcow2', 0xab, '0', '1M');
  await assert.rejects(assertPattern(basePath, 'qcow2', 0xcd, '0', '1M'), 'the overlay data is not in the base');
  await assert.rejects(assertPattern(b.path, 'qcow2', 0xcd, '0', '1M'), 'nor in the other clone');
  assert.equal(await sha256Of(basePath), baseHash, 'the base is unchanged');
  assert.equal(await sha256Of(src.path), srcHash, 'the cached image is unchanged');
  assert.equal((await backingChain(b.path))[0]?.['virtual-size'], 2 * GiB);
});

test('a raw image becomes a qcow2 base; clones read the same data', async (t) => {
  const dir = await tempDir(t);
  const raw = join(dir, 'imgv-r.raw');
  await sh('qemu-img', ['create', '-q', '-f', 'raw', raw, '48M']);
  await writePattern(raw, 'raw', 0x5a, '4M', '3M');
  const pool = new DirectoryPool({ path: join(dir, 'pool') });
  const v = await pool.createRootDisk({ volumeId: 'vol-r', sizeGiB: 1, provisioning: 'linked', base: { imageVersionId: 'imgv-r', path: raw, format: 'raw' } });
  const chain = await backingChain(v.path);
  assert.equal(chain[1]?.format, 'qcow2');
  assert.equal(chain[1]?.['virtual-size'], 48 * 1024 * 1024);
  await assertPattern(v.path, 'qcow2', 0x5a, '4M', '3M');
  await sh('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', raw, v.path]); // exits 1 when they differ
});

test('a full copy is a sparse raw file of the asked size with the image data and no backing file', async (t) => {
  const dir = await tempDir(t);
  const src = await cachedQcow2(dir);
  const pool = new DirectoryPool({ path: join(dir, 'pool') });
  const v = await pool.createRootDisk({ volumeId: 'vol-full', sizeGiB: 3, provisioning: 'full', base: src });
  assert.deepEqual(v, { path: join(dir, 'pool', 'volumes', 'vol-full'), format: 'raw' });
  const s = await stat(v.path);
  assert.equal(s.size, 3 * GiB);
  assert.ok(s.blocks * 512 < 16 * 1024 * 1024, `sparse: ${s.blocks * 512} bytes allocated`);
  const chain = await backingChain(v.path);
  assert.equal(chain.length, 1);
  assert.equal(chain[0]?.format, 'raw');
  await assertPattern(v.path, 'raw', 0xab, '0', '1M');
  await assertPattern(v.path, 'raw', 0x11, '32M', '1M');
  await sh('qemu-img', ['compare', '-q', '-f', 'qcow2', '-F', 'raw', src.path, v.path]);
  assert.deepEqual(await readdir(join(dir, 'pool', 'bases')), [], 'a full copy needs no base');
});

test('create is idempotent: same size returns the volume untouched, another size is a conflict', async (t) => {
  const dir = await tempDir(t);
  const src = await cachedQcow2(dir);
  const pool = new DirectoryPool({ path: join(dir, 'pool') });
  const req = { volumeId: 'vol-i', sizeGiB: 1, provisioning: 'linked' as const, base: src };
  const [first, second] = await Promise.all([pool.createRootDisk(req), pool.createRootDisk(req)]);
  assert.deepEqual(first, second);
  const before = await stat(first.path);
  await writePattern(first.path, 'qcow2', 0x77, '0', '64k');
  const third = await pool.createRootDisk(req);
  assert.deepEqual(third, first);
  await assertPattern(third.path, 'qcow2', 0x77, '0', '64k');
  assert.equal((await stat(third.path)).ino, before.ino, 'not recreated');
  // a full volume asked again with the same size also comes back as it is
  await pool.createRootDisk({ ...req, volumeId: 'vol-f', provisioning: 'full' });
  assert.deepEqual(await pool.createRootDisk({ ...req, volumeId: 'vol-f', provisioning: 'full' }), { path: pool.volumePath('vol-f'), format: 'raw' });
  await assert.rejects(pool.createRootDisk({ ...req, sizeGiB: 2 }), (err: unknown) =>
    err instanceof StorageError && err.code === 'volume-conflict' && /volume vol-i exists with 1073741824 bytes, asked for 2147483648/.test(err.message));
});

test('delete removes the volume, a missing volume is success, and the id can be reused', async (t) => {
  const dir = await tempDir(t);
  const src = await cachedQcow2(dir);
  const pool = new DirectoryPool({ path: join(dir, 'pool') });
  const v = await pool.createRootDisk({ volumeId: 'vol-d', sizeGiB: 1, provisioning: 'linked', base: src });
  await writeFile(`${v.path}.partial`, 'left by a crash');
  await pool.delete('vol-d');
  await pool.delete('vol-d');
  await pool.delete('vol-never-existed');
  assert.deepEqual(await readdir(join(dir, 'pool', 'volumes')), []);
  const again = await pool.createRootDisk({ volumeId: 'vol-d', sizeGiB: 2, provisioning: 'full', base: src });
  assert.equal(again.format, 'raw');
  assert.deepEqual(await readdir(join(dir, 'pool', 'bases')), ['imgv-1.qcow2'], 'deleting a clone keeps the base');
});

test('blank disks, and usage() counts volumes, virtual sizes and real allocation', async (t) => {
  const dir = await tempDir(t);
  const pool = new DirectoryPool({ path: join(dir, 'pool') });
  const empty = await pool.usage();
  assert.equal(empty.volumeCount, 0);
  assert.equal(empty.usedGiB, 0);
  assert.ok(empty.capacityGiB > 0 && empty.freeGiB > 0 && empty.freeGiB <= empty.capacityGiB);
  const q = await pool.createBlank('vol-q', 5);
  const r = await pool.createBlank('vol-raw', 4, 'raw');
  assert.equal(q.format, 'qcow2');
  assert.equal((await backingChain(q.path))[0]?.['virtual-size'], 5 * GiB);
  assert.equal((await stat(r.path)).size, 4 * GiB);
  await writePattern(r.path, 'raw', 0x42, '0', '8M');
  const u = await pool.usage();
  assert.equal(u.volumeCount, 2);
  assert.equal(u.provisionedGiB, 9);
  assert.ok(u.usedGiB >= 0.007 && u.usedGiB < 0.1, `used ${u.usedGiB} GiB`);
});

test('refuses unsafe or unfitting requests and leaves nothing behind', async (t) => {
  const dir = await tempDir(t);
  const src = await cachedQcow2(dir);
  const pool = new DirectoryPool({ path: join(dir, 'pool') });
  // a qcow2 "image" that points at a host file as its backing file
  const sneaky = join(dir, 'sneaky.qcow2');
  await sh('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', '/etc/hostname', sneaky, '1M']);
  for (const provisioning of ['linked', 'full'] as const) {
    await assert.rejects(pool.createRootDisk({ volumeId: 'vol-x', sizeGiB: 1, provisioning, base: { imageVersionId: 'imgv-sneaky', path: sneaky, format: 'qcow2' } }),
      (err: unknown) => err instanceof StorageError && err.code === 'bad-image' && /refers to another file \(\/etc\/hostname\)/.test(err.message));
  }
  // a raw file that claims to be qcow2
  const notQcow2 = join(dir, 'raw.bin');
  await writeFile(notQcow2, Buffer.alloc(65536, 7));
  await assert.rejects(pool.createRootDisk({ volumeId: 'vol-x', sizeGiB: 1, provisioning: 'linked', base: { imageVersionId: 'imgv-liar', path: notQcow2, format: 'qcow2' } }),
    (err: unknown) => err instanceof StorageError && err.code === 'bad-image');
  // disk smaller than the image
  const big = join(dir, 'big.qcow2');
  await makeQcow2(big, '3G');
  for (const provisioning of ['linked', 'full'] as const) {
    await assert.rejects(pool.createRootDisk({ volumeId: 'vol-x', sizeGiB: 2, provisioning, base: { imageVersionId: 'imgv-big', path: big, format: 'qcow2' } }),
      /a 2 GiB disk is smaller than image imgv-big \(3221225472 bytes\)/);
  }
  await assert.rejects(pool.createRootDisk({ volumeId: '../etc', sizeGiB: 1, provisioning: 'linked', base: src }), /invalid volume id/);
  await assert.rejects(pool.createRootDisk({ volumeId: 'vol-x', sizeGiB: 1.5, provisioning: 'linked', base: src }), /whole number of GiB/);
  await assert.rejects(pool.createRootDisk({ volumeId: 'vol-x', sizeGiB: 1, provisioning: 'linked', base: { ...src, imageVersionId: 'a/b' } }), /invalid image version id/);
  assert.deepEqual(await readdir(join(dir, 'pool', 'volumes')), []);
  assert.deepEqual(await readdir(join(dir, 'pool', 'bases')), ['imgv-big.qcow2'], 'only the valid image got a base');
});

test('shared pool: two hosts cloning the same image at once copy the base once', async (t) => {
  const dir = await tempDir(t);
  const src = await cachedQcow2(dir);
  const shared = join(dir, 'shared');
  const recA = logRecorder();
  const recB = logRecorder();
  const hostA = new DirectoryPool({ path: shared, kind: 'shared', log: recA.log });
  const hostB = new DirectoryPool({ path: shared, kind: 'shared', log: recB.log });
  // Each "host" has its own cache copy of the image, as real hosts would.
  const srcB = { ...src, path: join(dir, 'hostB-cache.qcow2') };
  await copyFile(src.path, srcB.path);
  const made = await Promise.all([
    hostA.createRootDisk({ volumeId: 'vol-a1', sizeGiB: 1, provisioning: 'linked', base: src }),
    hostB.createRootDisk({ volumeId: 'vol-b1', sizeGiB: 1, provisioning: 'linked', base: srcB }),
    hostA.createRootDisk({ volumeId: 'vol-a2', sizeGiB: 1, provisioning: 'linked', base: src }),
    hostB.createRootDisk({ volumeId: 'vol-b2', sizeGiB: 1, provisioning: 'linked', base: srcB }),
  ]);
  assert.equal(recA.count('base image copied') + recB.count('base image copied'), 1);
  assert.deepEqual(await readdir(join(shared, 'bases')), ['imgv-1.qcow2'], 'no lock or temporary file left');
  for (const v of made) await assertPattern(v.path, 'qcow2', 0x11, '32M', '1M');
});

test('shared pool: a host waits for a base another host is copying, then uses it', async (t) => {
  const dir = await tempDir(t);
  const src = await cachedQcow2(dir);
  const shared = join(dir, 'shared');
  const rec = logRecorder();
  const pool = new DirectoryPool({ path: shared, kind: 'shared', log: rec.log, baseLock: { pollMs: 10 } });
  const lock = join(shared, 'bases', 'imgv-1.qcow2.lock');
  await pool.usage(); // creates the layout
  await writeFile(lock, '{"host":"other-host"}');
  const creating = pool.createRootDisk({ volumeId: 'vol-w', sizeGiB: 1, provisioning: 'linked', base: src });
  await rec.when('waiting for another creator');
  // the other host finishes: publishes the base, drops its lock
  await copyFile(src.path, join(shared, 'bases', 'imgv-1.qcow2'));
  await rm(lock);
  const v = await creating;
  assert.equal(rec.count('base image copied'), 0);
  await assertPattern(v.path, 'qcow2', 0xab, '0', '1M');
});

test('shared pool: a lock left by a dead host is broken and the base is made', async (t) => {
  const dir = await tempDir(t);
  const src = await cachedQcow2(dir);
  const shared = join(dir, 'shared');
  const rec = logRecorder();
  const pool = new DirectoryPool({ path: shared, kind: 'shared', log: rec.log, baseLock: { pollMs: 10, staleMs: 100 } });
  await pool.usage();
  await writeFile(join(shared, 'bases', 'imgv-1.qcow2.lock'), '{"host":"dead-host"}');
  const v = await pool.createRootDisk({ volumeId: 'vol-s', sizeGiB: 1, provisioning: 'linked', base: src });
  assert.equal(rec.count('breaking stale lock'), 1);
  assert.equal(rec.count('base image copied'), 1);
  await assertPattern(v.path, 'qcow2', 0xab, '0', '1M');
});

test('garbageCollectBases removes only bases that are unused, unlisted and not recently used', async (t) => {
  const dir = await tempDir(t);
  const pool = new DirectoryPool({ path: join(dir, 'pool') });
  const ids = ['imgv-used', 'imgv-old', 'imgv-recent', 'imgv-kept'];
  for (const id of ids) await pool.ensureBase(await cachedQcow2(dir, id));
  await pool.createRootDisk({ volumeId: 'vol-1', sizeGiB: 1, provisioning: 'linked', base: await cachedQcow2(dir, 'imgv-used') });
  const longAgo = new Date(Date.now() - 3600_000);
  for (const id of ['imgv-used', 'imgv-old', 'imgv-kept']) await utimes(pool.basePath(id), longAgo, longAgo);
  const abandoned = join(dir, 'pool', 'bases', 'imgv-x.qcow2.host.1.1.partial');
  await writeFile(abandoned, 'x');
  await utimes(abandoned, longAgo, longAgo);

  const gc = await pool.garbageCollectBases(['imgv-kept']);
  assert.deepEqual(gc, { removed: ['imgv-old'], kept: ['imgv-kept', 'imgv-recent', 'imgv-used'] });
  assert.deepEqual((await pool.listBases()).map((b) => b.imageVersionId), ['imgv-kept', 'imgv-recent', 'imgv-used']);
  assert.ok(!(await readdir(join(dir, 'pool', 'bases'))).some((n) => n.endsWith('.partial')));

  await pool.delete('vol-1');
  assert.deepEqual((await pool.garbageCollectBases([], { graceMs: 3600_000 * 2 })).removed, [], 'still within the grace time');
  assert.deepEqual((await pool.garbageCollectBases([], { graceMs: 0 })).removed, ['imgv-kept', 'imgv-recent', 'imgv-used']);
});
