import type { UsageRecord } from '@kumo/api';
import type { OwnerKind, UsageEventRow, UsageMeter } from '@kumo/db';

export type UsageGranularity = 'hour' | 'day';

export const hourMs = 3_600_000;
export const usageStepMs: Record<UsageGranularity, number> = { hour: hourMs, day: 24 * hourMs };
const unitOf = (m: UsageMeter): UsageRecord['unit'] => (m === 'volume.gib' || m === 'snapshot.gib' ? 'GiB-hours' : 'hours');

/**
 * Use of one meter (and offering) in one bucket: `amount` is level × milliseconds. Levels are
 * whole numbers (1 per instance, GiB per volume), so amounts are whole numbers and add up exactly.
 */
export interface UsageAmount { start: number; ownerKind: OwnerKind; ownerId: string; meter: UsageMeter; offeringId: string | null; amount: number }

/** Sums amounts per bucket: keyed by bucket start, owner, meter and offering. */
export class UsageBuckets {
  private readonly acc = new Map<string, UsageAmount>();

  /** `start`: the bucket's start (ms); amounts of one key add up. */
  add(start: number, ownerKind: OwnerKind, ownerId: string, meter: UsageMeter, offeringId: string | null, amount: number): void {
    const k = `${start}\u0000${ownerKind}\u0000${ownerId}\u0000${meter}\u0000${offeringId ?? ''}`;
    const cur = this.acc.get(k);
    if (cur) cur.amount += amount;
    else this.acc.set(k, { start, ownerKind, ownerId, meter, offeringId, amount });
  }

  /** Oldest first, then by owner, meter and offering. */
  amounts(): UsageAmount[] {
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return [...this.acc.values()].sort((a, b) => a.start - b.start || cmp(a.ownerKind, b.ownerKind) || cmp(a.ownerId, b.ownerId) || cmp(a.meter, b.meter) || cmp(a.offeringId ?? '', b.offeringId ?? ''));
  }
}

/**
 * Integrate usage levels over [fromMs, toMs) into `buckets`, split at UTC hour or day boundaries
 * (a bucket starts at the later of its boundary and `fromMs`). Each resource's meter stands at
 * the level of its last event until its next one; levels after `toMs` do not count.
 */
export function integrateLevels(events: readonly UsageEventRow[], fromMs: number, toMs: number, granularity: UsageGranularity, buckets: UsageBuckets): void {
  const step = usageStepMs[granularity];
  const byResource = new Map<string, UsageEventRow[]>();
  for (const e of events) {
    const k = `${e.resourceId}\u0000${e.meter}`;
    const list = byResource.get(k) ?? [];
    list.push(e);
    byResource.set(k, list);
  }
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
        buckets.add(Math.max(bucket, fromMs), e.ownerKind, e.ownerId, e.meter, e.offeringId, e.quantity * (end - t));
        t = end;
      }
    }
  }
}

/** Amounts as usage records: quantities in hours (or GiB-hours); a bucket ends at its boundary or `toMs`. */
export function toUsageRecords(amounts: readonly UsageAmount[], toMs: number, granularity: UsageGranularity): UsageRecord[] {
  const step = usageStepMs[granularity];
  return amounts.map((r) => ({
    start: new Date(r.start).toISOString(), end: new Date(Math.min(Math.floor(r.start / step) * step + step, toMs)).toISOString(),
    meter: r.meter, offeringId: r.offeringId, quantity: r.amount / hourMs, unit: unitOf(r.meter),
  }));
}

/**
 * Integrate usage levels over [fromMs, toMs), split into UTC hour or day buckets. Quantities are
 * level × hours. (One owner's events: records carry no owner.)
 */
export function integrateUsage(events: readonly UsageEventRow[], fromMs: number, toMs: number, granularity: UsageGranularity): UsageRecord[] {
  const buckets = new UsageBuckets();
  integrateLevels(events, fromMs, toMs, granularity, buckets);
  return toUsageRecords(buckets.amounts(), toMs, granularity);
}
