import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPct, formatRate, hasPoints, heatColor, rangeQuery } from './metric-series.ts';

test('ranges: 10 s points for an hour, 5 minutes for a day, 30 minutes for a week', () => {
  assert.deepEqual(rangeQuery('1h', 10_000_000), { from: String(10_000 - 3600), step: 10 });
  assert.deepEqual(rangeQuery('24h', 100_000_000), { from: String(100_000 - 86_400), step: 300 });
  assert.equal(rangeQuery('7d', 1e12).step, 1800);
});

test('formats and heat colours', () => {
  assert.equal(formatRate(1536), '1.5 KiB/s');
  assert.equal(formatRate(500), '500 B/s');
  assert.equal(formatRate(null), '—');
  assert.equal(formatPct(12.345), '12.3 %');
  assert.equal(heatColor(null), '#e2e8f0');
  assert.notEqual(heatColor(0), heatColor(100));
  assert.equal(hasPoints([null, null]), false);
  assert.equal(hasPoints([null, 0]), true);
});
