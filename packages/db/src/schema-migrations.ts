/** Row types of migration 013: zone migration policies and the record of every migration attempt. */

/** A zone's migration settings (migration 013); a zone without a row uses defaultMigrationPolicy. */
export interface MigrationPolicyRow {
  zoneId: string;
  /** The pause the final stop-and-copy may take, ms. */
  downtimeLimitMs: number;
  /** Bandwidth of the memory stream, MiB/s; 0 = unlimited. */
  maxBandwidthMiBPerSec: number;
  /** 1: throttle the guest's vCPUs when pre-copy does not converge. */
  autoConverge: number;
  /** Switch to post-copy after this many passes; null: never. */
  postcopyAfterPasses: number | null;
  /** Give up (the guest stays on the source) after this long, ms. */
  timeoutMs: number;
  /** 1: a failed attempt is retried on the next candidate host (once per candidate, at most 3 attempts). */
  retryNextHost: number;
  /** Migrations a host may take part in at once (as source or target). */
  maxPerHost: number;
  updatedAt: string;
}

/** What a zone without its own row gets. */
export const defaultMigrationPolicy: Omit<MigrationPolicyRow, 'zoneId' | 'updatedAt'> = {
  downtimeLimitMs: 300, maxBandwidthMiBPerSec: 0, autoConverge: 1, postcopyAfterPasses: null, timeoutMs: 600_000, retryNextHost: 1, maxPerHost: 2,
};

/**
 * Where an attempt is (the controller resumes from it after a restart):
 * pending (no target yet) → preparing (target chosen and reserved, targetHostId set; its disks and
 * waiting copy being made) → migrating (the stream runs as a job on the source) → switching
 * (stream complete: the target takes over, hostId moves) → cleaning (the source copy and its local
 * disks go) → succeeded. Failure or cancel before the switch: rolling-back (the target's copy and
 * disks go, its reservation is released) → failed | cancelled.
 */
export const migrationStates = ['pending', 'preparing', 'migrating', 'switching', 'cleaning', 'rolling-back', 'succeeded', 'failed', 'cancelled'] as const;
export type MigrationState = (typeof migrationStates)[number];
export const finishedMigrationStates: readonly MigrationState[] = ['succeeded', 'failed', 'cancelled'];

/** One attempt to move an instance (migration 013). */
export interface MigrationRow {
  id: string; accountId: string; instanceId: string; operationId: string;
  mode: 'live' | 'cold';
  /** 1 for the first host tried, 2 for the next candidate, … */
  attempt: number;
  sourceHostId: string;
  /** Null until chosen. */
  targetHostId: string | null;
  /** The host the caller named; null: the scheduler chose. */
  requestedHostId: string | null;
  /** JSON array: hosts earlier attempts of this operation failed on. */
  excludedHostIds: string;
  state: MigrationState;
  /** JSON IncomingEndpoint from the target (live). */
  endpoint: string | null;
  /** JSON MigrationStats: the last figures. */
  stats: string | null;
  /** JSON MigrationResult of a completed stream. */
  result: string | null;
  error: string | null;
  version: number;
  createdAt: string; startedAt: string | null; finishedAt: string | null; updatedAt: string;
}
