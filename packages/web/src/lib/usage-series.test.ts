import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UsageRecord } from '@kumo/api';
import { formatHours, usageSeries } from './usage-series.ts';

const rec = (start: string, meter: UsageRecord['meter'], quantity: number, offeringId: string | null = null): UsageRecord =>
  ({ start, end: start, meter, offeringId, quantity, unit: meter.endsWith('gib') ? 'GiB-hours' : 'hours' });

test('usage records become one line per used meter, offerings summed, missing buckets 0', () => {
  const s = usageSeries([
    rec('2026-12-01T00:00:00.000Z', 'instance.running', 1, 'off-a'),
    rec('2026-12-01T00:00:00.000Z', 'instance.running', 0.5, 'off-b'),
    rec('2026-12-01T01:00:00.000Z', 'volume.gib', 20),
    rec('2026-12-01T01:00:00.000Z', 'network', 0),
  ]);
  assert.deepEqual(s.timestamps, [Date.UTC(2026, 11, 1, 0) / 1000, Date.UTC(2026, 11, 1, 1) / 1000]);
  assert.deepEqual(s.lines, [{ meter: 'instance.running', values: [1.5, 0] }, { meter: 'volume.gib', values: [0, 20] }]);
  assert.equal(formatHours(1 / 3), '0.333');
});
