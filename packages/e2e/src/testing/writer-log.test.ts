import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWriterLog } from './writer-log.ts';

test('one writer after the other: two runs', () => {
  assert.deepEqual(parseWriterLog('aaaaaaaa 1\r\naaaaaaaa 2\r\nbbbbbbbb 1\r\nbbbbbbbb 2\r\nbbbbbbbb 3\r\n'), [
    { boot: 'aaaaaaaa', first: 1, last: 2, count: 2 }, { boot: 'bbbbbbbb', first: 1, last: 3, count: 3 },
  ]);
});

test('two writers interleaved, a gap, a restart inside a boot and garbage are refused', () => {
  assert.throws(() => parseWriterLog('aaaaaaaa 1\nbbbbbbbb 1\naaaaaaaa 2\n'), /two writers interleaved/);
  assert.throws(() => parseWriterLog('aaaaaaaa 1\naaaaaaaa 3\n'), /wrote 3 after 1/);
  assert.throws(() => parseWriterLog('aaaaaaaa 1\naaaaaaaa 1\n'), /wrote 1 after 1/);
  assert.throws(() => parseWriterLog('aaaaaaaa 1\naaaa\0\0 2\n'), /not "<boot> <n>"/);
  assert.throws(() => parseWriterLog('aaaaaaaa 4\n'), /starts at 4/);
});
