import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRowBuilder } from './row-builder.ts';

test('builds an object from array indices, in target order', () => {
  const b = compileRowBuilder(['id', 'memory_mib', 'task'], [0, 1, 2])!;
  const row = b(['inst-1', 512, null]);
  assert.deepEqual(row, { id: 'inst-1', memory_mib: 512, task: null });
  assert.deepEqual(Object.keys(row), ['id', 'memory_mib', 'task']);
});

test('builds from keys, with names that need quoting', () => {
  const b = compileRowBuilder(['n', 'a"b', 'count(*)', "it's"], ['count(*)', 'x\\y', 'n', 'q\u2028'])!;
  assert.deepEqual(b({ 'count(*)': 3, 'x\\y': 'v', n: 1, 'q\u2028': true }), { n: 3, 'a"b': 'v', 'count(*)': 1, "it's": true });
});

test('duplicate targets: first position, last value (as key-by-key assignment)', () => {
  const b = compileRowBuilder(['id', 'name', 'id'], [0, 1, 2])!;
  const row = b(['host-1', 'h', 'inst-1']);
  const byHand: Record<string, unknown> = {};
  ['id', 'name', 'id'].forEach((k, i) => { byHand[k] = ['host-1', 'h', 'inst-1'][i]; });
  assert.deepEqual(row, byHand);
  assert.deepEqual(Object.keys(row), ['id', 'name']);
});

test('mapObject sees non-null objects only', () => {
  const seen: unknown[] = [];
  const b = compileRowBuilder(['a', 'b', 'c', 'd'], [0, 1, 2, 3], (v) => { seen.push(v); return 'mapped'; })!;
  const buf = Buffer.from('x');
  assert.deepEqual(b([null, { k: 1 }, 'text', buf]), { a: null, b: 'mapped', c: 'text', d: 'mapped' });
  assert.deepEqual(seen, [{ k: 1 }, buf]);
});

test('refuses __proto__ (a literal would set the prototype) and mismatched lengths', () => {
  assert.equal(compileRowBuilder(['id', '__proto__'], [0, 1]), null);
  assert.throws(() => compileRowBuilder(['a'], [0, 1]), /1 targets but 2 sources/);
});
