import { Type, type Static } from '@sinclair/typebox';
import { operationStatuses } from '@kumo/core/lifecycle';
import { AnyId, ListQueryBase, Nullable, Timestamp } from './common.ts';
import { MigrationStatsSchema } from '../agent/spec-schemas.ts';

export const OperationStatus = Type.Union(operationStatuses.map((s) => Type.Literal(s)));

export const Operation = Type.Object({
  id: Type.String(), accountId: Type.String(), kind: Type.String({ description: 'e.g. instance.create, instance.stop' }),
  resourceType: Type.String(), resourceId: Type.String(), status: OperationStatus, progress: Type.Integer({ minimum: 0, maximum: 100 }),
  message: Type.String(),
  progressDetail: Nullable(Type.Object({
    phase: Type.String(), percent: Type.Optional(Type.Number()), bytesDone: Type.Optional(Type.Integer()), bytesTotal: Type.Optional(Type.Integer()),
    detail: Type.Optional(Type.String()),
    migration: Type.Optional(MigrationStatsSchema),
  }, { description: 'what the host reported last about the job doing the work' })),
  cancelRequestedAt: Nullable(Timestamp),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  createdAt: Timestamp, startedAt: Nullable(Timestamp), finishedAt: Nullable(Timestamp), updatedAt: Timestamp,
});

export const OperationListQuery = Type.Object({
  ...ListQueryBase, status: Type.Optional(OperationStatus), resourceId: Type.Optional(AnyId), kind: Type.Optional(Type.String({ maxLength: 63 })),
}, { additionalProperties: false });

export const Event = Type.Object({
  id: Type.String(), accountId: Type.String(), resourceType: Type.String(), resourceId: Type.String(),
  kind: Type.String(), severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('error')]),
  message: Type.String(), createdAt: Timestamp,
});

export const EventListQuery = Type.Object({
  ...ListQueryBase, resourceId: Type.Optional(AnyId), kind: Type.Optional(Type.String({ maxLength: 63 })),
}, { additionalProperties: false });

export type Operation = Static<typeof Operation>;
export type Event = Static<typeof Event>;
