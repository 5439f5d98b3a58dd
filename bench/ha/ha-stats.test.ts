import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile, summarize } from './ha-stats.ts';

test('ha bench summary: p50 by nearest rank, worst, runs with two copies counted as duplicates', () => {
  const s = summarize([
    { recoveryMs: 900, maxCopies: 1 }, { recoveryMs: 500, maxCopies: 1 }, { recoveryMs: 700, maxCopies: 2 },
    { recoveryMs: 600, maxCopies: 1 }, { recoveryMs: 800, maxCopies: 1 },
  ]);
  assert.deepEqual(s, { runs: 5, p50Ms: 700, worstMs: 900, duplicates: 1 });
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
  assert.throws(() => percentile([], 50), /no values/);
});
