/** DirectoryPool as a StoragePool: grow, export to a file, rollback from a file (real qemu-img). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryPool, type BaseImage } from '../directory-pool.ts';
import { StorageError } from '../storage-error.ts';
import { assertPattern, backingChain, makeQcow2, writePattern } from './qemu-img-fixtures.ts';

type Ctx = { after(fn: () => unknown): void };
const GiB = 1024 ** 3;

async function setup(t: Ctx): Promise<{ dir: string; pool: DirectoryPool; base: BaseImage }> {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-pool-snap-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'imgv-1.qcow2');
  await makeQcow2(path, '64M', [{ pattern: 0xab, offset: '0', length: '1M' }]);
  return { dir, pool: new DirectoryPool({ path: join(dir, 'pool') }), base: { imageVersionId: 'imgv-1', path, format: 'qcow2' } };
}

const isCode = (code: string) => (e: unknown) => e instanceof StorageError && e.code === code;

test('grow: qcow2 and raw volumes grow to exactly the size; the same size is a no-op; shrinking is refused and changes nothing', async (t) => {
  const { pool, base } = await setup(t);
  await pool.createVolume({ volumeId: 'vol-q', sizeGiB: 1, source: { kind: 'image', base, provisioning: 'linked' } });
  await pool.createVolume({ volumeId: 'vol-r', sizeGiB: 1, source: { kind: 'image', base, provisioning: 'full' } });
  for (const id of ['vol-q', 'vol-r']) {
    await pool.growVolume(id, 3);
    assert.equal((await pool.volumeInfo(id))?.sizeBytes, 3 * GiB);
    await pool.growVolume(id, 3);
    await assert.rejects(pool.growVolume(id, 2), isCode('shrink-refused'));
    assert.equal((await pool.volumeInfo(id))?.sizeBytes, 3 * GiB);
    await assertPattern(pool.volumePath(id), (await pool.volumeInfo(id))?.format ?? 'raw', 0xab, '0', '1M');
  }
  await assert.rejects(pool.growVolume('vol-none', 2), isCode('not-found'));
  await assert.rejects(pool.growVolume('vol-q', 0), isCode('bad-request'));
});

test('export: a linked clone becomes a standalone, compacted qcow2 with its data; progress reaches the total', async (t) => {
  const { dir, pool, base } = await setup(t);
  const v = await pool.createVolume({ volumeId: 'vol-a', sizeGiB: 1, source: { kind: 'image', base, provisioning: 'linked' } });
  await writePattern(v.path, 'qcow2', 0xcd, '512M', '2M');
  const target = join(dir, 'snap.qcow2');
  const seen: number[] = [];
  const r = await pool.exportVolume('vol-a', { path: target, format: 'qcow2' }, { onProgress: (p) => { seen.push(p.bytesDone); assert.equal(p.bytesTotal, GiB); } });
  const chain = await backingChain(target);
  assert.equal(chain.length, 1, 'no backing file');
  assert.equal(chain[0]?.['virtual-size'], GiB);
  assert.ok(r.bytes < 16 * 1024 * 1024, `compacted: ${r.bytes} bytes for 3 MiB of data`);
  await assertPattern(target, 'qcow2', 0xab, '0', '1M');
  await assertPattern(target, 'qcow2', 0xcd, '512M', '2M');
  await assertPattern(target, 'qcow2', 0, '100M', '1M');
  assert.equal(seen.at(-1), GiB);
  assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.partial')), []);
});

test('export cancelled: no file is left', async (t) => {
  const { dir, pool, base } = await setup(t);
  await pool.createVolume({ volumeId: 'vol-a', sizeGiB: 1, source: { kind: 'image', base, provisioning: 'linked' } });
  const abort = new AbortController();
  abort.abort();
  const target = join(dir, 'snap.qcow2');
  await assert.rejects(pool.exportVolume('vol-a', { path: target, format: 'qcow2' }, { signal: abort.signal }), isCode('cancelled'));
  assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('snap')), []);
});

test('rollback from a file: the volume gets the file\'s contents and the asked size', async (t) => {
  const { dir, pool, base } = await setup(t);
  const v = await pool.createVolume({ volumeId: 'vol-a', sizeGiB: 1, source: { kind: 'image', base, provisioning: 'linked' } });
  const snap = join(dir, 'snap.qcow2');
  await pool.exportVolume('vol-a', { path: snap, format: 'qcow2' });
  await writePattern(v.path, 'qcow2', 0xee, '0', '1M');
  await pool.growVolume('vol-a', 2);
  await pool.rollback('vol-a', 1, { kind: 'file', file: { path: snap, format: 'qcow2' } });
  assert.deepEqual(await pool.volumeInfo('vol-a'), { sizeBytes: GiB, format: 'qcow2' });
  await assertPattern(v.path, 'qcow2', 0xab, '0', '1M');
  assert.equal((await backingChain(v.path)).length, 1, 'a rolled-back volume stands alone');
  assert.deepEqual((await readdir(join(dir, 'pool', 'volumes'))).sort(), ['vol-a']);
});

test('rollback that fails (a corrupt file, a file larger than the size, a cancel) leaves the old contents and no partial file', async (t) => {
  const { dir, pool, base } = await setup(t);
  const v = await pool.createVolume({ volumeId: 'vol-a', sizeGiB: 1, source: { kind: 'image', base, provisioning: 'linked' } });
  await writePattern(v.path, 'qcow2', 0xee, '0', '1M');
  const corrupt = join(dir, 'corrupt.qcow2');
  await writeFile(corrupt, 'not a qcow2');
  await assert.rejects(pool.rollback('vol-a', 1, { kind: 'file', file: { path: corrupt, format: 'qcow2' } }));
  const big = join(dir, 'big.qcow2');
  await makeQcow2(big, '2G');
  await assert.rejects(pool.rollback('vol-a', 1, { kind: 'file', file: { path: big, format: 'qcow2' } }), isCode('bad-request'));
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(pool.rollback('vol-a', 1, { kind: 'file', file: { path: base.path, format: 'qcow2' } }, { signal: abort.signal }), isCode('cancelled'));
  await assertPattern(v.path, 'qcow2', 0xee, '0', '1M');
  assert.deepEqual((await readdir(join(dir, 'pool', 'volumes'))).sort(), ['vol-a']);
  await assert.rejects(pool.rollback('vol-a', 1, { kind: 'pool-snapshot', snapshotId: 's1' }), isCode('bad-request'));
  await assert.rejects(pool.createSnapshot(), isCode('bad-request'));
});
