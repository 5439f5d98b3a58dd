import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCpioNewc } from './cpio-newc-writer.ts';
import { chardev, file, symlink } from './guest-tree.ts';

interface Rec { name: string; mode: number; nlink: number; rdev: [number, number]; data: string }

/** An independent reader of the newc format, for checking the writer. */
function readNewc(bytes: Uint8Array): Rec[] {
  const text = new TextDecoder('latin1');
  const out: Rec[] = [];
  let at = 0;
  for (;;) {
    const header = text.decode(bytes.subarray(at, at + 110));
    assert.equal(header.slice(0, 6), '070701', `magic at ${at}`);
    const field = (i: number): number => Number.parseInt(header.slice(6 + i * 8, 14 + i * 8), 16);
    const namesize = field(11);
    const filesize = field(6);
    const name = text.decode(bytes.subarray(at + 110, at + 110 + namesize - 1));
    assert.equal(bytes[at + 110 + namesize - 1], 0, 'name is NUL-terminated');
    at += 110 + namesize;
    at += (4 - (at % 4)) % 4;
    const data = text.decode(bytes.subarray(at, at + filesize));
    at += filesize;
    at += (4 - (at % 4)) % 4;
    if (name === 'TRAILER!!!') break;
    out.push({ name, mode: field(1), nlink: field(4), rdev: [field(9), field(10)], data });
  }
  assert.ok(bytes.subarray(at).every((b) => b === 0), 'only zero padding after the trailer');
  return out;
}

test('the archive has the root first, parents before children, and right modes', () => {
  const bytes = encodeCpioNewc([
    file('etc/inittab', '::sysinit:/etc/init.d/rcS\n'),
    symlink('bin/sh', 'busybox'),
    chardev('dev/console', 5, 1),
    file('init', '#!/bin/sh\n', 0o755),
  ]);
  assert.equal(bytes.length % 512, 0);
  const recs = readNewc(bytes);
  assert.deepEqual(recs.map((r) => r.name), ['.', 'bin', 'bin/sh', 'dev', 'dev/console', 'etc', 'etc/inittab', 'init']);
  const by = new Map(recs.map((r) => [r.name, r]));
  assert.equal(by.get('.')?.mode, 0o040755);
  assert.equal(by.get('bin/sh')?.mode, 0o120777);
  assert.equal(by.get('bin/sh')?.data, 'busybox');
  assert.equal(by.get('dev/console')?.mode, 0o020600);
  assert.deepEqual(by.get('dev/console')?.rdev, [5, 1]);
  assert.equal(by.get('init')?.mode, 0o100755);
  assert.equal(by.get('etc/inittab')?.data, '::sysinit:/etc/init.d/rcS\n');
  assert.equal(by.get('etc')?.nlink, 2);
});

test('the same tree always gives the same bytes', () => {
  const tree = [file('b', 'x'), file('a/c', 'yy')];
  assert.deepEqual(encodeCpioNewc(tree), encodeCpioNewc([...tree].reverse()));
});

test('file data of every length is padded to 4 bytes', () => {
  const tree = ['', 'a', 'ab', 'abc', 'abcd', 'abcde'].map((d, i) => file(`f${i}`, d));
  const recs = readNewc(encodeCpioNewc(tree));
  assert.deepEqual(recs.filter((r) => r.name.startsWith('f')).map((r) => r.data), ['', 'a', 'ab', 'abc', 'abcd', 'abcde']);
});
