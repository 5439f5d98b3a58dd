import type { Clock } from '@kumo/core';
import { ApiError, type UsageRecord, type UsageReport, type UsageRollupList } from '@kumo/api';
import type { Repos, Scope, UsageMeter } from '@kumo/db';
import { hourMs, integrateLevels, toUsageRecords, UsageBuckets, usageStepMs, type UsageGranularity } from './usage-integration.ts';

export { integrateUsage, type UsageGranularity } from './usage-integration.ts';

/** The longest window one query covers. */
export const maxUsageWindowDays = 366;
const dayMs = 24 * hourMs;
const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;
const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step;

/** A usage query's window, checked: bad input names the field. */
function windowOf(q: { from: string; to: string }): { fromMs: number; toMs: number } {
  const fromMs = Date.parse(q.from);
  const toMs = Date.parse(q.to);
  if (!Number.isFinite(fromMs)) throw new ApiError('bad_request', 'from must be an ISO-8601 time', { field: 'from' });
  if (!Number.isFinite(toMs) || toMs <= fromMs) throw new ApiError('bad_request', 'to must be an ISO-8601 time after from', { field: 'to' });
  if (toMs - fromMs > maxUsageWindowDays * dayMs) throw new ApiError('bad_request', `a usage query covers at most ${maxUsageWindowDays} days`, { field: 'to' });
  return { fromMs, toMs };
}

/**
 * Usage records for billing: hours per meter (and offering), per hour or day, per account. Closed
 * hours and days are read from the rollups (usage-rollup-job.ts); the rest of a window (before the
 * first whole hour, and after what is closed) is integrated from the usage events. Both give the
 * same numbers: `source: 'events'` integrates the whole window from the events, for checking.
 */
export class UsageService {
  constructor(private readonly repos: Repos, private readonly clock: Clock) {}

  async report(scope: Scope, q: { accountId?: string | undefined; from: string; to: string; granularity?: UsageGranularity | undefined; source?: 'rollups' | 'events' | undefined }): Promise<UsageReport> {
    const accountId = q.accountId ?? scope.accountId;
    await this.checkAccount(scope, accountId);
    const { fromMs, toMs } = windowOf(q);
    const granularity = q.granularity ?? 'day';
    const step = usageStepMs[granularity];
    const endMs = Math.min(toMs, this.clock.now()); // what has not happened yet is not used
    const buckets = new UsageBuckets();
    // Everything lands in the query's buckets: a bucket starts at its boundary, or at `from`.
    const into = { add: (start: number, meter: UsageMeter, offeringId: string | null, amount: number) => buckets.add(Math.max(floorTo(start, step), fromMs), 'account', accountId, meter, offeringId, amount) };
    const integrate = async (a: number, b: number) => {
      if (b <= a) return;
      const part = new UsageBuckets();
      integrateLevels(await this.repos.usageEvents.window('account', accountId, new Date(a).toISOString(), new Date(b).toISOString()), a, b, granularity, part);
      for (const x of part.amounts()) into.add(x.start, x.meter, x.offeringId, x.amount);
    };
    const closedIso = q.source === 'events' ? null : await this.repos.usageRollups.closedUntil();
    const a = ceilTo(fromMs, hourMs);
    const b = Math.min(floorTo(endMs, hourMs), closedIso ? Date.parse(closedIso) : -Infinity);
    if (b <= a) {
      await integrate(fromMs, endMs);
    } else {
      await integrate(fromMs, a);
      // Whole days inside [a, b) from the day rows (day granularity), the other closed hours from the hour rows.
      const dayA = granularity === 'day' ? ceilTo(a, dayMs) : b;
      const dayB = granularity === 'day' ? Math.max(floorTo(b, dayMs), dayA) : b;
      const rollups = async (g: UsageGranularity, x: number, y: number) => {
        if (y <= x) return;
        const rows = await this.repos.usageRollups.list(scope, { granularity: g, fromIso: new Date(x).toISOString(), toIso: new Date(y).toISOString(), ownerKind: 'account', ownerId: accountId });
        for (const r of rows) into.add(Date.parse(r.start), r.meter, r.offeringKey === '' ? null : r.offeringKey, r.amount);
      };
      if (dayB > dayA) {
        await rollups('hour', a, dayA);
        await rollups('day', dayA, dayB);
        await rollups('hour', dayB, b);
      } else {
        await rollups('hour', a, b);
      }
      await integrate(b, endMs);
    }
    const records = toUsageRecords(buckets.amounts(), endMs, granularity);
    const totals = new Map<string, Omit<UsageRecord, 'start' | 'end'>>();
    for (const r of records) {
      const k = `${r.meter}\u0000${r.offeringId ?? ''}`;
      const t = totals.get(k);
      if (t) t.quantity += r.quantity;
      else totals.set(k, { meter: r.meter, offeringId: r.offeringId, quantity: r.quantity, unit: r.unit });
    }
    return { accountId, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), granularity, records, totals: [...totals.values()] };
  }

  /**
   * Closed hourly or daily records grouped per account (admins: every account, or one; others:
   * their own). Per-domain or per-project totals are these rows joined on accounts.
   */
  async rollups(scope: Scope, q: { accountId?: string | undefined; from: string; to: string; granularity?: UsageGranularity | undefined }): Promise<UsageRollupList> {
    const { fromMs, toMs } = windowOf(q);
    if (q.accountId !== undefined) await this.checkAccount(scope, q.accountId);
    const granularity = q.granularity ?? 'day';
    const step = usageStepMs[granularity];
    const rows = await this.repos.usageRollups.list(scope, {
      granularity, fromIso: new Date(ceilTo(fromMs, step)).toISOString(), toIso: new Date(toMs).toISOString(),
      ...(q.accountId !== undefined ? { ownerKind: 'account' as const, ownerId: q.accountId } : {}),
    });
    const closedUntil = await this.repos.usageRollups.closedUntil();
    const closedMs = closedUntil ? Date.parse(closedUntil) : -Infinity;
    const items = rows.filter((r) => Date.parse(r.start) + step <= toMs && Date.parse(r.start) + step <= closedMs).map((r) => {
      const [rec] = toUsageRecords([{ start: Date.parse(r.start), ownerKind: r.ownerKind, ownerId: r.ownerId, meter: r.meter, offeringId: r.offeringKey === '' ? null : r.offeringKey, amount: r.amount }], Infinity, granularity);
      return { accountId: r.ownerId, ...(rec as UsageRecord) };
    });
    return { granularity, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), closedUntil, items };
  }

  /** Whose usage a caller may read: admins any account, others their own (another is "not found"). */
  private async checkAccount(scope: Scope, accountId: string): Promise<void> {
    if (!scope.admin && accountId !== scope.accountId) throw new ApiError('not_found', `account ${accountId} not found`);
    if (!(await this.repos.accounts.get(scope, accountId))) throw new ApiError('not_found', `account ${accountId} not found`);
  }
}
