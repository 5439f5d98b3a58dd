import { Type, type Static } from '@sinclair/typebox';
import { MigrationResultSchema, MigrationStatsSchema } from '../agent/spec-schemas.ts';
import { AnyId, Nullable, Timestamp } from './common.ts';

/**
 * One attempt to move an instance (GET /instances/{id}/migrations, newest first). A retry on the
 * next host is another attempt of the same operation. `stats`: the last live figures; `result`:
 * what a completed stream measured (QEMU's own figures).
 */
export const InstanceMigrationRecord = Type.Object({
  id: Type.String(), instanceId: AnyId, operationId: Type.String(),
  mode: Type.Union([Type.Literal('live'), Type.Literal('cold')]),
  attempt: Type.Integer({ minimum: 1 }),
  sourceHostId: Type.String(), targetHostId: Nullable(Type.String()), requestedHostId: Nullable(Type.String()),
  state: Type.Union(['pending', 'preparing', 'migrating', 'switching', 'cleaning', 'rolling-back', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s))),
  stats: Nullable(MigrationStatsSchema),
  result: Nullable(MigrationResultSchema),
  error: Nullable(Type.String()),
  createdAt: Timestamp, startedAt: Nullable(Timestamp), finishedAt: Nullable(Timestamp),
}, { additionalProperties: false });

export type InstanceMigrationRecord = Static<typeof InstanceMigrationRecord>;

/**
 * Where an instance could move now (GET /instances/{id}/migration-candidates; admins): the compatible
 * hosts best first (what a migrate without hostId would choose from) and every other host of the
 * zone with the reason it cannot take the instance.
 */
export const MigrationCandidates = Type.Object({
  instanceId: AnyId,
  mode: Type.Union([Type.Literal('live'), Type.Literal('cold')]),
  candidates: Type.Array(Type.Object({ hostId: Type.String(), hostName: Type.String() })),
  rejected: Type.Array(Type.Object({ hostId: Type.String(), hostName: Type.String(), reason: Type.String() })),
}, { additionalProperties: false });
export type MigrationCandidates = Static<typeof MigrationCandidates>;

export const MigrationCandidatesQuery = Type.Object({
  mode: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('cold')], { description: 'default: live when the instance runs, cold when stopped' })),
}, { additionalProperties: false });

/** A zone's live-migration policy (GET/PATCH /zones/{id}/migration-policy; admins). */
export const MigrationPolicy = Type.Object({
  zoneId: AnyId,
  downtimeLimitMs: Type.Integer({ minimum: 1, maximum: 60_000, description: 'the pause the final stop-and-copy may take' }),
  maxBandwidthMiBPerSec: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'bandwidth of the memory stream; 0: unlimited' }),
  autoConverge: Type.Boolean({ description: 'throttle the guest\'s vCPUs when pre-copy does not converge' }),
  postcopyAfterPasses: Nullable(Type.Integer({ minimum: 1, maximum: 1000, description: 'switch to post-copy after this many passes; null: never' })),
  timeoutMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, description: 'give up (the guest stays on the source) after this long' }),
  retryNextHost: Type.Boolean({ description: 'retry a failed attempt on the next candidate host (at most 3 attempts)' }),
  maxPerHost: Type.Integer({ minimum: 1, maximum: 64, description: 'migrations at once per source or target host' }),
  updatedAt: Nullable(Timestamp),
}, { additionalProperties: false });
export type MigrationPolicy = Static<typeof MigrationPolicy>;

export const MigrationPolicyUpdate = Type.Partial(Type.Omit(MigrationPolicy, ['zoneId', 'updatedAt']), { additionalProperties: false, minProperties: 1 });
export type MigrationPolicyUpdate = Static<typeof MigrationPolicyUpdate>;
