import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile, spanMs, summarizeApiRuns } from './api-stats.ts';

test('api migration bench summary: p50 by nearest rank and worst of every figure', () => {
  const run = (apiWallMs: number, downtimeMs: number) => ({ apiWallMs, recordMs: apiWallMs - 100, queuedMs: 50, totalMs: apiWallMs / 2, downtimeMs, ramMiB: 73.4, passes: 3 });
  const s = summarizeApiRuns([run(3000, 40), run(5000, 20), run(4000, 300)]);
  assert.equal(s.runs, 3);
  assert.deepEqual(s.apiWallMs, { p50: 4000, worst: 5000 });
  assert.deepEqual(s.recordMs, { p50: 3900, worst: 4900 });
  assert.deepEqual(s.queuedMs, { p50: 50, worst: 50 });
  assert.deepEqual(s.totalMs, { p50: 2000, worst: 2500 });
  assert.deepEqual(s.downtimeMs, { p50: 40, worst: 300 });
  assert.deepEqual(s.ramMiB, { p50: 73, worst: 73 });
  assert.deepEqual(s.passes, { p50: 3, worst: 3 });
  assert.equal(percentile([4, 1, 3, 2], 50), 2);
  assert.throws(() => summarizeApiRuns([]), /no runs/);
});

test('api migration bench: span between timestamps, a missing one is named', () => {
  assert.equal(spanMs('2026-12-07T10:00:00.000Z', '2026-12-07T10:00:02.500Z', 'record'), 2500);
  assert.throws(() => spanMs('2026-12-07T10:00:00.000Z', null, 'migration mig-1'), /migration mig-1: timestamp missing/);
});
