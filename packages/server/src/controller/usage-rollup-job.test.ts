import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { FakeClock, newId } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { createRepos, openDatabase, type DatabaseHandle, type Repos, type UsageLevel } from '@kumo/db';
import { openTestDatabase, seedAccount, testDialects } from '@kumo/db/testing';
import { UsageService } from '../services/usage-service.ts';
import { UsageRollupJob, type UsageRollupOptions } from './usage-rollup-job.ts';

const hour = 3_600_000; const day = 24 * hour; const min = 60_000;
const t0 = Date.UTC(2026, 10, 2, 0, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const log = pino({ level: 'silent' });
const opts: UsageRollupOptions = { intervalMs: 60_000, graceMs: 5 * min, hoursPerStep: 7 };
const admin = { accountId: 'acct-system', admin: true };

/** Account A: an instance running on and off over three days, a volume resized; account B: a public IP and a network. */
async function recordHistory(repos: Repos, a: string, b: string): Promise<void> {
  const rec = (owner: string, type: string, id: string, at: number, levels: UsageLevel[]) =>
    repos.usageEvents.record(repos.db, { ownerId: owner, resourceType: type, resourceId: id }, levels, iso(at));
  const vm = newId('instance'); const vol = newId('volume'); const ip = `ip-${newId('volume')}`; const net = `net-${newId('volume')}`;
  await rec(a, 'instance', vm, t0 + 17 * min + 3_123, [{ meter: 'instance.allocated', quantity: 1, offeringId: 'off-small' }, { meter: 'instance.running', quantity: 0, offeringId: 'off-small' }]);
  for (let k = 1; k < 60; k++) {
    const at = t0 + 17 * min + k * 71 * min + k * 997;
    await rec(a, 'instance', vm, at, [{ meter: 'instance.allocated', quantity: 1, offeringId: k > 40 ? 'off-large' : 'off-small' }, { meter: 'instance.running', quantity: k % 3 === 0 ? 0 : 1, offeringId: k > 40 ? 'off-large' : 'off-small' }]);
    if (k % 5 === 0) await rec(a, 'volume', vol, at + 11 * min, [{ meter: 'volume.gib', quantity: 10 + k }]);
  }
  await rec(a, 'volume', vol, t0 + 2 * day + 5 * hour + 1, [{ meter: 'volume.gib', quantity: 0 }]);
  await rec(b, 'publicIp', ip, t0 + 3 * hour + 59 * min, [{ meter: 'publicIp', quantity: 1 }]);
  await rec(b, 'network', net, t0 - 2 * day + 7 * min, [{ meter: 'network', quantity: 1 }]);
  await rec(b, 'publicIp', ip, t0 + day + 13 * min + 7, [{ meter: 'publicIp', quantity: 0 }]);
}

for (const dialect of testDialects) {
  describe(`usage rollups on ${dialect}`, () => {
    let h: DatabaseHandle & { drop(): Promise<void> };
    let second: DatabaseHandle | null;
    let repos: Repos;
    let a: string; let b: string;
    const nowMs = t0 + 3 * day + 2 * hour + 3 * min; // the job closes hours up to t0 + 3 days + 1 hour (5 minutes' grace)
    before(async () => {
      h = await openTestDatabase(dialect);
      second = dialect === 'postgres'
        ? await openDatabase({ url: h.location.split(' ')[0] ?? '', pgSchema: /schema (\w+)/.exec(h.location)?.[1] ?? '', migrate: false })
        : null;
      repos = createRepos(h.db);
      a = await seedAccount(repos, `rollup-a-${dialect}`); b = await seedAccount(repos, `rollup-b-${dialect}`);
      await recordHistory(repos, a, b);
    });
    after(async () => { await second?.close(); await h.drop(); });

    test('before the first run nothing is closed and reports come from the events', async () => {
      assert.equal(await repos.usageRollups.closedUntil(), null);
      const usage = new UsageService(repos, new FakeClock(nowMs));
      const q = { accountId: a, from: iso(t0), to: iso(t0 + 2 * day), granularity: 'day' as const };
      assert.deepEqual(await usage.report(admin, q), await usage.report(admin, { ...q, source: 'events' }));
      assert.deepEqual((await usage.rollups(admin, { from: iso(t0), to: iso(t0 + day) })).items, []);
    });

    test('the job closes every due hour from the day of the first event, concurrent runs on two servers write each hour once', async () => {
      const clock = new FakeClock(nowMs);
      const jobs = [h, ...(second ? [second] : [])].flatMap((d) => [new UsageRollupJob(createRepos(d.db), clock, log, opts), new UsageRollupJob(createRepos(d.db), clock, log, opts)]);
      const reports = await Promise.all(jobs.map((j) => j.runOnce()));
      assert.equal(await repos.usageRollups.closedUntil(), iso(t0 + 3 * day + hour));
      assert.equal(reports.reduce((n, r) => n + r.hours, 0), 5 * 24 + 1, 'every hour from t0 − 2 days closed once');
      const hours = await repos.usageRollups.list(admin, { granularity: 'hour', fromIso: iso(0), toIso: iso(nowMs + day) });
      const days = await repos.usageRollups.list(admin, { granularity: 'day', fromIso: iso(0), toIso: iso(nowMs + day) });
      assert.equal(new Set(hours.map((r) => `${r.start} ${r.ownerId} ${r.meter} ${r.offeringKey}`)).size, hours.length);
      assert.deepEqual([...new Set(days.map((r) => r.start))], [iso(t0 - 2 * day), iso(t0 - day), iso(t0), iso(t0 + day), iso(t0 + 2 * day)], 'the day in progress has no day row');
      // A day row is the sum of its hours, exactly (amounts are level × milliseconds, whole numbers).
      for (const d of days) {
        const sum = hours.filter((x) => x.ownerId === d.ownerId && x.meter === d.meter && x.offeringKey === d.offeringKey && x.start >= d.start && Date.parse(x.start) < Date.parse(d.start) + day).reduce((n, x) => n + x.amount, 0);
        assert.equal(d.amount, sum, `${d.start} ${d.meter}`);
        assert.ok(Number.isInteger(d.amount));
      }
      assert.equal((await jobs[0]!.runOnce()).hours, 0, 'nothing more is due');
    });

    test('reports from the rollups equal reports from the events, for any window and granularity', async () => {
      const usage = new UsageService(repos, new FakeClock(nowMs));
      const windows: Array<[number, number]> = [
        [t0, t0 + 3 * day], [t0 - 2 * day, nowMs + hour], [t0 + 7 * min + 13, t0 + 2 * day + 5 * hour + 30 * min], [t0 + 30 * min, t0 + 50 * min],
        [t0 + day + hour, t0 + 3 * day + 2 * hour], [t0 + 3 * day, t0 + 4 * day],
      ];
      for (const account of [a, b]) {
        for (const [from, to] of windows) {
          for (const granularity of ['hour', 'day'] as const) {
            const q = { accountId: account, from: iso(from), to: iso(to), granularity };
            const fromRollups = await usage.report(admin, q);
            assert.deepEqual(fromRollups, await usage.report(admin, { ...q, source: 'events' }), `${iso(from)}..${iso(to)} ${granularity}`);
          }
        }
      }
      const whole = await usage.report(admin, { accountId: a, from: iso(t0), to: iso(t0 + 3 * day), granularity: 'day' });
      assert.ok(whole.totals.some((t) => t.meter === 'instance.running' && t.offeringId === 'off-large' && t.quantity > 0));
    });

    test('re-running closed hours recomputes the same numbers', async () => {
      const rows = await repos.usageRollups.list(admin, { granularity: 'hour', fromIso: iso(0), toIso: iso(nowMs + day) });
      const dayRows = await repos.usageRollups.list(admin, { granularity: 'day', fromIso: iso(0), toIso: iso(nowMs + day) });
      // As if the cursor had been left a day and a half behind (a restored backup): the same hours close again.
      await repos.db.updateTable('usageRollupCursor').set({ closedUntil: iso(t0 + day + 12 * hour) }).execute();
      const r = await new UsageRollupJob(repos, new FakeClock(nowMs), log, opts).runOnce();
      assert.equal(r.hours, 37);
      const strip = (xs: typeof rows) => xs.map(({ closedAt: _c, ...x }) => x);
      assert.deepEqual(strip(await repos.usageRollups.list(admin, { granularity: 'hour', fromIso: iso(0), toIso: iso(nowMs + day) })), strip(rows));
      assert.deepEqual(strip(await repos.usageRollups.list(admin, { granularity: 'day', fromIso: iso(0), toIso: iso(nowMs + day) })), strip(dayRows));
    });

    test('rollups grouped per account: admins see every account, a tenant its own, another account is not found', async () => {
      const usage = new UsageService(repos, new FakeClock(nowMs));
      const q = { from: iso(t0 - day), to: iso(t0 + 5 * day), granularity: 'day' as const };
      const all = await usage.rollups(admin, q);
      assert.deepEqual([...new Set(all.items.map((i) => i.accountId))].sort(), [a, b].sort());
      assert.equal(all.closedUntil, iso(t0 + 3 * day + hour));
      const own = await usage.rollups({ accountId: b, admin: false }, q);
      assert.ok(own.items.length > 0 && own.items.every((i) => i.accountId === b));
      const ipHours = own.items.filter((i) => i.meter === 'publicIp').reduce((n, i) => n + i.quantity, 0);
      assert.equal(ipHours * hour, (t0 + day + 13 * min + 7) - (t0 + 3 * hour + 59 * min));
      await assert.rejects(usage.rollups({ accountId: b, admin: false }, { ...q, accountId: a }), (e: ApiError) => e.code === 'not_found');
      assert.equal((await usage.rollups({ accountId: b, admin: false }, { ...q, granularity: 'hour' })).items.every((i) => i.accountId === b), true);
    });

    test('bad windows are refused naming the field', async () => {
      const usage = new UsageService(repos, new FakeClock(nowMs));
      await assert.rejects(usage.rollups(admin, { from: 'yesterday', to: iso(t0) }), (e: ApiError) => (e.details as { field: string }).field === 'from');
      await assert.rejects(usage.rollups(admin, { from: iso(t0), to: iso(t0) }), (e: ApiError) => (e.details as { field: string }).field === 'to');
      await assert.rejects(usage.rollups(admin, { from: iso(t0), to: iso(t0 + 400 * day) }), (e: ApiError) => (e.details as { field: string }).field === 'to');
    });
  });
}
