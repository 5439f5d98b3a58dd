import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRepos, deviceSeriesId, type Repos } from './repos/index.ts';
import type { MetricSampleRow } from './schema.ts';
import { seedInfrastructure } from './testing/fixtures.ts';
import { openTestDatabase, testDialects } from './testing/test-databases.ts';

function inst(id: string, at: number, cpuPct: number, hostId = 'h'): MetricSampleRow {
  return {
    resourceId: id, step: 10, at, resourceKind: 'instance', hostId, cpuPct, cpuPctMax: cpuPct, memoryBytes: 1000,
    cpuIowaitPct: null, cpuStealPct: null, load1: null, memoryTotalBytes: null, poolUsedPct: null,
    diskReadBps: 10, diskWriteBps: 20, diskReadIops: 1, diskWriteIops: 2, netRxBps: 100, netTxBps: 200, netRxPps: 1, netTxPps: 2, netDropsPs: 0,
    guestMemoryUsedBytes: null, diskReadLatencyMs: null, diskWriteLatencyMs: null,
  };
}

for (const dialect of testDialects) {
  describe(`metrics repository on ${dialect}`, () => {
    let db: Awaited<ReturnType<typeof openTestDatabase>>;
    let repos: Repos;
    let hostId: string;
    before(async () => {
      db = await openTestDatabase(dialect);
      repos = createRepos(db.db);
      hostId = (await seedInfrastructure(repos, { hosts: 1 })).hosts[0]!.id;
    });
    after(async () => { await db.drop(); });

    test('series: buckets of the asked step, averaged; cpuPctMax keeps the peak; a repeated sample is stored once', async () => {
      const t0 = 1_800_000_000; // a multiple of 300
      const rows = Array.from({ length: 60 }, (_, k) => inst('i-a', t0 + 10 * k, k < 30 ? 10 : 90, hostId));
      await repos.metrics.insert(rows);
      await repos.metrics.insert(rows.slice(0, 5).map((r) => ({ ...r, cpuPct: 55 })));
      assert.equal(await repos.metrics.count(10), 60);
      const s = await repos.metrics.series('i-a', 10, t0, t0 + 600, 300);
      assert.deepEqual(s.map((b) => [Number(b.t), Number(b.cpuPct), Number(b.cpuPctMax), Number(b.diskReadBps)]), [[t0, 10, 10, 10], [t0 + 300, 90, 90, 10]]);
      const fine = await repos.metrics.series('i-a', 10, t0, t0 + 60, 10);
      assert.equal(fine.length, 6);
      assert.equal(fine[0]!.load1, null, 'host-only columns stay null for instances');
    });

    test('rollUp makes 5-minute rows, is idempotent, and counts samples that arrived late; prune bounds both resolutions', async () => {
      const t0 = 1_800_100_200; // a multiple of 300
      await repos.metrics.insert(Array.from({ length: 30 }, (_, k) => inst('i-b', t0 + 10 * k, 40, hostId)));
      await repos.metrics.rollUp(t0, t0 + 300);
      await repos.metrics.rollUp(t0, t0 + 300);
      let r = await repos.metrics.series('i-b', 300, t0, t0 + 300, 300);
      assert.deepEqual(r.map((b) => [Number(b.t), Number(b.cpuPct)]), [[t0, 40]]);
      await repos.metrics.insert([inst('i-b', t0 + 5, 100, hostId)]); // late
      await repos.metrics.rollUp(t0, t0 + 300);
      r = await repos.metrics.series('i-b', 300, t0, t0 + 300, 300);
      assert.equal(Number(r[0]!.cpuPctMax), 100);
      assert.ok(Math.abs(Number(r[0]!.cpuPct) - (40 * 30 + 100) / 31) < 1e-6);
      assert.equal(await repos.metrics.lastRollup(), t0);
      const rawBefore = await repos.metrics.count(10);
      const pruned = await repos.metrics.prune(10, t0 + 300);
      assert.equal(pruned, 60 + 31, 'every raw row of both series before the cut (the first test\'s and these)');
      assert.equal(await repos.metrics.count(10), rawBefore - pruned);
      assert.equal(await repos.metrics.prune(300, t0 + 1), 1, 'the rollup before the cut');
      assert.equal(await repos.metrics.count(300), 0);
    });

    test('recent and cpuWindow: the newest rows of a host; the lowest CPU and first sample of each series in the window', async () => {
      const now = 1_900_000_000;
      const window = 600;
      const full = Array.from({ length: 61 }, (_, k) => inst('i-hot', now - window + 10 * k, 100, hostId));
      const young = Array.from({ length: 10 }, (_, k) => inst('i-young', now - 90 + 10 * k, 100, hostId));
      const dip = Array.from({ length: 61 }, (_, k) => inst('i-dip', now - window + 10 * k, k === 30 ? 50 : 100, hostId));
      await repos.metrics.insert([...full, ...young, ...dip]);
      const win = (await repos.metrics.cpuWindow(now - window)).sort((a, b) => a.resourceId.localeCompare(b.resourceId));
      assert.deepEqual(win.map((w) => [w.resourceId, w.minCpuPct, w.firstAt - now, w.hostId]), [
        ['i-dip', 50, -window, hostId], ['i-hot', 100, -window, hostId], ['i-young', 100, -90, hostId],
      ]);
      const recent = await repos.metrics.recent('instance', now - 5, hostId);
      assert.deepEqual(new Set(recent.map((r) => r.resourceId)), new Set(['i-hot', 'i-young', 'i-dip']));
      assert.ok(recent.every((r) => r.at >= now - 5));
    });

    test('devices: the volumes and NICs of one owner with rows in the range, not those of an id that starts the same', async () => {
      const t0 = 1_950_000_000;
      const dev = (id: string, kind: 'volume' | 'nic') => ({ ...inst(id, t0, 0, hostId), resourceKind: kind, diskReadLatencyMs: 2.5 });
      await repos.metrics.insert([
        dev(deviceSeriesId('i-dev', 'volume', 'vol-2'), 'volume'), dev(deviceSeriesId('i-dev', 'volume', 'vol-1'), 'volume'),
        dev(deviceSeriesId('i-dev', 'nic', 'tap-a'), 'nic'), dev(deviceSeriesId('i-dev2', 'volume', 'vol-x'), 'volume'),
        dev(deviceSeriesId('i-de', 'volume', 'vol-y'), 'volume'), inst('i-dev', t0, 5, hostId),
      ]);
      assert.deepEqual(await repos.metrics.devices('i-dev', 10, t0, t0 + 10), { volumes: ['vol-1', 'vol-2'], nics: ['tap-a'] });
      assert.deepEqual(await repos.metrics.devices('i-dev', 10, t0 + 10, t0 + 20), { volumes: [], nics: [] }, 'outside the range');
      const s = await repos.metrics.series(deviceSeriesId('i-dev', 'volume', 'vol-1'), 10, t0, t0 + 10, 10);
      assert.equal(Number(s[0]!.diskReadLatencyMs), 2.5);
      assert.equal(await repos.metrics.recent('instance', t0, hostId).then((r) => r.filter((x) => x.at === t0).length), 1, 'device rows are not instances');
    });

    test('alert states: only the first fire of a key wins until it is cleared; one-off keys are pruned by age', async () => {
      assert.equal(await repos.alertStates.fire('pool:p1', 'pool-full', '2026-01-01T00:00:00.000Z'), true);
      assert.equal(await repos.alertStates.fire('pool:p1', 'pool-full', '2026-01-01T00:01:00.000Z'), false);
      const both = await Promise.all([repos.alertStates.fire('pool:p2', 'pool-full', '2026-01-01T00:00:00.000Z'), repos.alertStates.fire('pool:p2', 'pool-full', '2026-01-01T00:00:00.000Z')]);
      assert.deepEqual(both.sort(), [false, true], 'two raisers at once: one wins');
      assert.deepEqual((await repos.alertStates.firing('pool:')).sort(), ['pool:p1', 'pool:p2']);
      await repos.alertStates.clear('pool:p1');
      assert.equal(await repos.alertStates.fire('pool:p1', 'pool-full', '2026-01-01T00:02:00.000Z'), true, 'cleared, then again: fires');
      await repos.alertStates.fire('op:o1', 'operation-failed', '2026-01-01T00:00:00.000Z');
      await repos.alertStates.fire('op:o2', 'operation-failed', '2026-01-03T00:00:00.000Z');
      assert.equal(await repos.alertStates.prune('operation-failed', '2026-01-02T00:00:00.000Z'), 1);
      assert.deepEqual(await repos.alertStates.firing('op:'), ['op:o2']);
    });
  });
}
