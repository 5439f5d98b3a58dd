import { Type, type Static } from '@sinclair/typebox';
import { ListQueryBase, Nullable, Timestamp } from './common.ts';

/* Quotas, usage records and the audit log (issue 12). */

const limit = () => Nullable(Type.Integer({ minimum: 0 }));
const amount = () => Type.Number({ minimum: 0 });

/** Limits per resource; null: unlimited (or, in an account's own limits, "the default"). */
export const QuotaLimits = Type.Object({
  instances: limit(), vcpus: limit(), memoryMiB: limit(), volumes: limit(), volumeGiB: limit(),
  snapshots: limit(), publicIps: limit(), networks: limit(),
});
export type QuotaLimits = Static<typeof QuotaLimits>;

export const QuotaUsage = Type.Object({
  instances: amount(), vcpus: amount(), memoryMiB: amount(), volumes: amount(), volumeGiB: amount(),
  snapshots: amount(), publicIps: amount(), networks: amount(),
});

export const Quota = Type.Object({
  accountId: Type.String(),
  limits: QuotaLimits,
  defaults: QuotaLimits,
  effective: QuotaLimits,
  usage: QuotaUsage,
}, { description: 'limits: the account\'s own (null: the default); defaults: every account\'s; effective: what is enforced (null: unlimited); usage: what the account holds now' });
export type Quota = Static<typeof Quota>;

/** PUT body: the limits to change; null puts one back to the default. */
export const QuotaUpdate = Type.Partial(QuotaLimits, { additionalProperties: false, minProperties: 1 });
export type QuotaUpdate = Static<typeof QuotaUpdate>;

export const usageMeters = ['instance.running', 'instance.allocated', 'volume.gib', 'snapshot.gib', 'publicIp', 'network'] as const;

export const UsageQuery = Type.Object({
  accountId: Type.Optional(Type.String({ maxLength: 64, description: 'admins: whose usage (default: your own)' })),
  from: Type.String({ format: 'date-time', description: 'start (inclusive), ISO-8601' }),
  to: Type.String({ format: 'date-time', description: 'end (exclusive), ISO-8601; at most 366 days after from' }),
  granularity: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')], { default: 'day' })),
  source: Type.Optional(Type.Union([Type.Literal('rollups'), Type.Literal('events')], {
    default: 'rollups', description: 'rollups: closed hours and days from the rollups, the rest from the events; events: the whole window from the events (same numbers, for checking)',
  })),
}, { additionalProperties: false });
export type UsageQuery = Static<typeof UsageQuery>;

export const UsageRecord = Type.Object({
  start: Timestamp, end: Timestamp,
  meter: Type.Union(usageMeters.map((m) => Type.Literal(m))),
  offeringId: Nullable(Type.String()),
  /** Hours for instance, public IP and network meters; GiB-hours for volume.gib and snapshot.gib. */
  quantity: Type.Number(),
  unit: Type.Union([Type.Literal('hours'), Type.Literal('GiB-hours')]),
});
export type UsageRecord = Static<typeof UsageRecord>;

export const UsageReport = Type.Object({
  accountId: Type.String(), from: Timestamp, to: Timestamp, granularity: Type.String(),
  records: Type.Array(UsageRecord),
  totals: Type.Array(Type.Omit(UsageRecord, ['start', 'end'])),
});
export type UsageReport = Static<typeof UsageReport>;

/** GET /api/v1/usage/rollups: closed hours or days of every account (admins) or one. */
export const UsageRollupQuery = Type.Object({
  accountId: Type.Optional(Type.String({ maxLength: 64, description: 'one account (default: every account an admin may see; others: their own)' })),
  from: Type.String({ format: 'date-time', description: 'start (inclusive), ISO-8601' }),
  to: Type.String({ format: 'date-time', description: 'end (exclusive), ISO-8601; at most 366 days after from' }),
  granularity: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')], { default: 'day' })),
}, { additionalProperties: false });
export type UsageRollupQuery = Static<typeof UsageRollupQuery>;

export const UsageRollupList = Type.Object({
  granularity: Type.String(), from: Timestamp, to: Timestamp,
  /** Every hour before this is closed (null: the rollup job has not run yet); later hours are not listed. */
  closedUntil: Nullable(Timestamp),
  items: Type.Array(Type.Composite([Type.Object({ accountId: Type.String() }), UsageRecord])),
}, { description: 'closed hourly or daily usage per account, meter and offering; per-domain or per-project totals are a join on accounts' });
export type UsageRollupList = Static<typeof UsageRollupList>;

export const AuditEntry = Type.Object({
  id: Type.String(), accountId: Type.String(), userId: Nullable(Type.String()), username: Type.String(),
  sourceAddress: Type.String(), method: Type.String(), route: Type.String(), action: Type.String(),
  resourceId: Nullable(Type.String()), status: Type.Integer(), errorCode: Nullable(Type.String()), requestId: Type.String(),
  body: Type.Unknown({ description: 'the request body with secrets (passwords, tokens, keys) replaced by "[redacted]"' }),
  createdAt: Timestamp,
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object({
  ...ListQueryBase,
  accountId: Type.Optional(Type.String({ maxLength: 64 })),
  username: Type.Optional(Type.String({ maxLength: 128 })),
  action: Type.Optional(Type.String({ maxLength: 128 })),
  resourceId: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
}, { additionalProperties: false });
export type AuditQuery = Static<typeof AuditQuery>;
