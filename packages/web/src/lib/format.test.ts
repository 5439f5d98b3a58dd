import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countBy, formatAge, formatBytes, formatDateTime, formatGiB, formatMiB, formatPercent, usageRatio } from './format.ts';

test('sizes pick a readable unit', () => {
  assert.equal(formatMiB(512), '512 MiB');
  assert.equal(formatMiB(16384), '16 GiB');
  assert.equal(formatMiB(1536), '1.5 GiB');
  assert.equal(formatMiB(3 * 1024 * 1024), '3 TiB');
  assert.equal(formatGiB(20), '20 GiB');
  assert.equal(formatGiB(2048), '2 TiB');
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(10 * 1024 * 1024 + 512 * 1024), '10.5 MiB');
});

test('ratios clamp and survive an empty total', () => {
  assert.equal(usageRatio(5, 10), 0.5);
  assert.equal(usageRatio(15, 10), 1);
  assert.equal(usageRatio(1, 0), 0);
  assert.equal(formatPercent(1, 3), '33%');
  assert.equal(formatPercent(0, 0), '0%');
});

test('ages use one unit, in either language', () => {
  assert.equal(formatAge(0, 'en'), '0 s');
  assert.equal(formatAge(42_900, 'en'), '42 s');
  assert.equal(formatAge(5 * 60_000 + 1, 'en'), '5 min');
  assert.equal(formatAge(3 * 3600_000, 'ja'), '3時間');
  assert.equal(formatAge(2 * 86400_000, 'ja'), '2日');
  assert.equal(formatAge(-5000, 'en'), '0 s');
});

test('timestamps are formatted per language and tolerate null', () => {
  assert.equal(formatDateTime(null, 'en'), '—');
  assert.equal(formatDateTime('2025-03-04T05:06:07Z', 'en', 'UTC'), '04/03/2025, 05:06:07');
  assert.equal(formatDateTime('2025-03-04T05:06:07Z', 'ja', 'UTC'), '2025/03/04 05:06:07');
  assert.equal(formatDateTime('not a date', 'en'), 'not a date');
});

test('countBy keeps the given order and appends unknown keys', () => {
  const got = countBy([{ p: 'running' }, { p: 'weird' }, { p: 'running' }], (x) => x.p, ['pending', 'running']);
  assert.deepEqual(got, [['pending', 0], ['running', 2], ['weird', 1]]);
});
