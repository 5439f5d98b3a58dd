import type { Clock } from '@kumo/core';
import { ApiError, type UsageRecord, type UsageReport } from '@kumo/api';
import type { Repos, Scope, UsageEventRow, UsageMeter } from '@kumo/db';

export type UsageGranularity = 'hour' | 'day';

const hourMs = 3_600_000;
const stepMs: Record<UsageGranularity, number> = { hour: hourMs, day: 24 * hourMs };
/** The longest window one query covers. */
export const maxUsageWindowDays = 366;
const unitOf = (m: UsageMeter): UsageRecord['unit'] => (m === 'volume.gib' || m === 'snapshot.gib' ? 'GiB-hours' : 'hours');

/**
 * Integrate usage levels over [fromMs, toMs), split into UTC hour or day buckets. Each resource's
 * meter stands at the level of its last event until its next one; levels after `toMs` (or after
 * `nowMs`: the future is not used yet) do not count. Quantities are level × hours.
 */
export function integrateUsage(events: readonly UsageEventRow[], fromMs: number, toMs: number, granularity: UsageGranularity): UsageRecord[] {
  const step = stepMs[granularity];
  const byResource = new Map<string, UsageEventRow[]>();
  for (const e of events) {
    const k = `${e.resourceId}\u0000${e.meter}`;
    const list = byResource.get(k) ?? [];
    list.push(e);
    byResource.set(k, list);
  }
  // bucket start → meter/offering → level × milliseconds
  const acc = new Map<string, { start: number; meter: UsageMeter; offeringId: string | null; levelMs: number }>();
  const add = (start: number, meter: UsageMeter, offeringId: string | null, levelMs: number): void => {
    const k = `${start}\u0000${meter}\u0000${offeringId ?? ''}`;
    const cur = acc.get(k);
    if (cur) cur.levelMs += levelMs;
    else acc.set(k, { start, meter, offeringId, levelMs });
  };
  for (const list of byResource.values()) {
    list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as UsageEventRow;
      if (e.quantity === 0) continue;
      const next = list[i + 1];
      const segStart = Math.max(Date.parse(e.at), fromMs);
      const segEnd = Math.min(next ? Date.parse(next.at) : toMs, toMs);
      for (let t = segStart; t < segEnd;) {
        const bucket = Math.floor(t / step) * step;
        const end = Math.min(bucket + step, segEnd);
        add(Math.max(bucket, fromMs), e.meter, e.offeringId, e.quantity * (end - t));
        t = end;
      }
    }
  }
  return [...acc.values()]
    .sort((a, b) => a.start - b.start || (a.meter < b.meter ? -1 : a.meter > b.meter ? 1 : 0) || ((a.offeringId ?? '') < (b.offeringId ?? '') ? -1 : 1))
    .map((r) => ({
      start: new Date(r.start).toISOString(), end: new Date(Math.min(Math.floor(r.start / step) * step + step, toMs)).toISOString(),
      meter: r.meter, offeringId: r.offeringId, quantity: r.levelMs / hourMs, unit: unitOf(r.meter),
    }));
}

/** Usage records for billing: hours per meter (and offering), per hour or day, per account. */
export class UsageService {
  constructor(private readonly repos: Repos, private readonly clock: Clock) {}

  async report(scope: Scope, q: { accountId?: string | undefined; from: string; to: string; granularity?: UsageGranularity | undefined }): Promise<UsageReport> {
    const accountId = q.accountId ?? scope.accountId;
    if (!scope.admin && accountId !== scope.accountId) throw new ApiError('not_found', `account ${accountId} not found`);
    if (!(await this.repos.accounts.get(scope, accountId))) throw new ApiError('not_found', `account ${accountId} not found`);
    const fromMs = Date.parse(q.from);
    const toMs = Date.parse(q.to);
    if (!Number.isFinite(fromMs)) throw new ApiError('bad_request', 'from must be an ISO-8601 time', { field: 'from' });
    if (!Number.isFinite(toMs) || toMs <= fromMs) throw new ApiError('bad_request', 'to must be an ISO-8601 time after from', { field: 'to' });
    if (toMs - fromMs > maxUsageWindowDays * 24 * hourMs) throw new ApiError('bad_request', `a usage query covers at most ${maxUsageWindowDays} days`, { field: 'to' });
    const granularity = q.granularity ?? 'day';
    const endMs = Math.min(toMs, this.clock.now()); // what has not happened yet is not used
    const from = new Date(fromMs).toISOString();
    const events = endMs > fromMs ? await this.repos.usageEvents.window('account', accountId, from, new Date(endMs).toISOString()) : [];
    const records = endMs > fromMs ? integrateUsage(events, fromMs, endMs, granularity) : [];
    const totals = new Map<string, Omit<UsageRecord, 'start' | 'end'>>();
    for (const r of records) {
      const k = `${r.meter}\u0000${r.offeringId ?? ''}`;
      const t = totals.get(k);
      if (t) t.quantity += r.quantity;
      else totals.set(k, { meter: r.meter, offeringId: r.offeringId, quantity: r.quantity, unit: r.unit });
    }
    return { accountId, from, to: new Date(toMs).toISOString(), granularity, records, totals: [...totals.values()] };
  }
}
