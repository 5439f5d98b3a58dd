import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQcow2Header, readDiskFileInfo } from './qcow2-header.ts';

/** A qcow2 v3 header as qemu-img writes it, with an optional backing file name after it. */
function qcow2Bytes(virtualSize: bigint, backing?: string, incompatible = 0n): Uint8Array {
  const name = new TextEncoder().encode(backing ?? '');
  const buf = new Uint8Array(512);
  const v = new DataView(buf.buffer);
  v.setUint32(0, 0x514649fb);
  v.setUint32(4, 3);
  if (backing !== undefined) {
    v.setBigUint64(8, 112n);
    v.setUint32(16, name.length);
    buf.set(name, 112);
  }
  v.setUint32(20, 16);
  v.setBigUint64(24, virtualSize);
  v.setBigUint64(72, incompatible);
  v.setUint32(100, 104);
  return buf;
}

test('parses the virtual size, version and backing-file pointer', () => {
  const h = parseQcow2Header(qcow2Bytes(10n * 1024n ** 3n, '../bases/imgv-1.qcow2'));
  assert.deepEqual(h, { version: 3, virtualSize: 10 * 1024 ** 3, backingFileOffset: 112, backingFileSize: 21, externalDataFile: false });
});

test('flags an external data file and refuses non-qcow2 bytes', () => {
  assert.equal(parseQcow2Header(qcow2Bytes(1n, undefined, 4n))?.externalDataFile, true);
  assert.equal(parseQcow2Header(new Uint8Array(512)), null);
  assert.equal(parseQcow2Header(new Uint8Array(10)), null);
});

test('readDiskFileInfo reads the backing name from a file, and treats other files as raw', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-qcow2-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a'), qcow2Bytes(2n * 1024n ** 3n, '../bases/imgv-x.qcow2'));
  await writeFile(join(dir, 'b'), new Uint8Array(4096));
  assert.deepEqual(await readDiskFileInfo(join(dir, 'a')), { format: 'qcow2', virtualSize: 2 * 1024 ** 3, backingFile: '../bases/imgv-x.qcow2' });
  assert.deepEqual(await readDiskFileInfo(join(dir, 'b')), { format: 'raw', virtualSize: 4096, backingFile: null });
});
