import type { OwnerKind, UsageMeter } from './schema.ts';

/** Hourly and daily usage (migration 025). */
export type UsageRollupGranularity = 'hour' | 'day';
/**
 * One owner's use of one meter (and offering) over one UTC hour or day: `amount` is level ×
 * milliseconds (whole numbers, so hours add up to days exactly); `offeringKey` is the offering id or ''.
 */
export interface UsageRollupRow {
  granularity: UsageRollupGranularity; start: string; ownerKind: OwnerKind; ownerId: string;
  meter: UsageMeter; offeringKey: string; amount: number; closedAt: string;
}
/** How far the rollup job has got: every hour before `closedUntil` is closed (migration 025). */
export interface UsageRollupCursorRow { name: string; closedUntil: string; updatedAt: string }
