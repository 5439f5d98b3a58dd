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
