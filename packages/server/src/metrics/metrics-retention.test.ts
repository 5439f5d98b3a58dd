import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '@kumo/core';
import { seedInfrastructure } from '@kumo/db/testing';
import { inProcessServer } from '../testing/in-process-server.ts';
import { hostRow } from './metrics-ingest.ts';

const sample = (at: number, cpuPct: number) => ({
  at, cpuPct, cpuIowaitPct: 0, cpuStealPct: 0, load1: 1, memoryUsedBytes: 100, memoryTotalBytes: 200, poolUsedPct: 10, netRxBps: 0, netTxBps: 0, diskReadBps: 0, diskWriteBps: 0,
});

test('retention on the injected clock: raw samples roll up into 5-minute rows, raw rows past a day and rollups past 30 days go', async () => {
  const start = Date.UTC(2026, 0, 1);
  const clock = new FakeClock(start);
  const { server, close } = await inProcessServer({ clock });
  try {
    const { repos } = server.ctx;
    const hostId = (await seedInfrastructure(repos, { hosts: 1 })).hosts[0]!.id;
    const t0 = start / 1000;
    // Two days of raw samples every 10 s (as if the server had been down and an old backlog arrived), plus an ancient rollup.
    const rows = [];
    for (let at = t0 - 2 * 86_400; at < t0; at += 10) rows.push(hostRow(hostId, sample(at, at % 600 < 300 ? 20 : 60)));
    await repos.metrics.insert(rows);
    await repos.metrics.insert([{ ...hostRow(hostId, sample(t0 - 40 * 86_400, 5)), step: 300 }]);
    server.metrics.retention.start();
    clock.advance(60_000);
    await waitFor(() => server.metrics.retention.lastPass !== null);
    server.metrics.retention.stop();
    const pass = server.metrics.retention.lastPass!;
    assert.equal(pass.prunedRollups, 1, 'the 40-day-old rollup');
    assert.equal(pass.prunedRaw, 86_400 / 10 + 6, 'raw rows older than a day (at the clock\'s new now)');
    const raw = await repos.metrics.count(10);
    assert.equal(raw, 86_400 / 10 - 6);
    const rollups = await repos.metrics.count(300);
    assert.equal(rollups, 288, 'one 5-minute row per bucket of the last day');
    const series = await server.metrics.query.hostSeries(hostId, { from: String(t0 - 3600), to: String(t0), step: 300 });
    assert.equal(series.resolution, 300);
    assert.deepEqual(series.series.cpuPct.slice(0, 2), [20, 60]);
    assert.ok(series.series.memoryUsedBytes.every((v) => v === 100));
  } finally { await close(); }
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), 'timed out');
}
