import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUstarHeader, encodeUstarHeader, parsePaxRecords, ustarPaddingFor } from './ustar-format.ts';

test('a header round-trips name, size, mode and mtime, with ustar magic and a valid checksum', () => {
  const block = encodeUstarHeader({ name: 'rootfs.qcow2', size: 123_456_789, mode: 0o600, mtime: 1_700_000_000 });
  assert.equal(block.length, 512);
  assert.equal(new TextDecoder().decode(block.subarray(257, 263)), 'ustar\0');
  assert.deepEqual(decodeUstarHeader(block), { name: 'rootfs.qcow2', size: 123_456_789, mode: 0o600, mtime: 1_700_000_000, type: 'file', typeflag: '0' });
});

test('sizes of 8 GiB and more use base-256 and decode back', () => {
  const size = 20 * 1024 ** 3 + 7;
  const block = encodeUstarHeader({ name: 'rootfs.qcow2', size });
  assert.equal(block[124], 0x80, 'base-256 marker');
  assert.equal(decodeUstarHeader(block)?.size, size);
  const justBelow = 8 * 1024 ** 3 - 1; // 77777777777 octal: still fits
  assert.equal(encodeUstarHeader({ name: 'x', size: justBelow })[124], '7'.charCodeAt(0));
});

test('a zero block is the end of the archive', () => {
  assert.equal(decodeUstarHeader(new Uint8Array(512)), null);
});

test('a damaged header is refused: checksum, magic, non-octal numbers', () => {
  const flipped = encodeUstarHeader({ name: 'vmlinuz', size: 10 });
  flipped[0] = 'w'.charCodeAt(0);
  assert.throws(() => decodeUstarHeader(flipped), /checksum mismatch/);
  const noMagic = encodeUstarHeader({ name: 'vmlinuz', size: 10 });
  noMagic.fill(0, 257, 263);
  assert.throws(() => decodeUstarHeader(noMagic), /bad magic/);
  assert.throws(() => decodeUstarHeader(new Uint8Array(100)), /512 bytes/);
});

test('names longer than the 100-byte field are refused by the writer', () => {
  assert.throws(() => encodeUstarHeader({ name: 'x'.repeat(101), size: 0 }), /name too long/);
  assert.throws(() => encodeUstarHeader({ name: 'x', size: -1 }), /out of range/);
});

test('padding rounds members up to whole blocks', () => {
  assert.deepEqual([0, 1, 511, 512, 513].map(ustarPaddingFor), [0, 511, 1, 0, 511]);
});

test('pax records parse, including values with spaces and equals signs', () => {
  const rec = (kv: string) => {
    // the length prefix counts itself
    for (let n = kv.length + 3; ; n++) if (`${n} ${kv}\n`.length === n) return `${n} ${kv}\n`;
  };
  const data = new TextEncoder().encode(rec('path=dir/a b=c') + rec('size=12345'));
  const m = parsePaxRecords(data);
  assert.equal(m.get('path'), 'dir/a b=c');
  assert.equal(m.get('size'), '12345');
  assert.throws(() => parsePaxRecords(new TextEncoder().encode('99 path=x\n')), /malformed/);
});
