import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { hostSeriesNames, instanceSeriesNames } from '@kumo/core/metrics';
import { Nullable, Timestamp } from './common.ts';

/** `from` / `to`: ISO-8601 or seconds since the epoch; `step`: seconds per point. */
export const MetricsQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40, description: 'start: ISO-8601 or epoch seconds (default: `to` minus 1 h)' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'end: ISO-8601 or epoch seconds (default: now)' })),
  step: Type.Optional(Type.Integer({ minimum: 10, maximum: 86_400, description: 'seconds per point (default: about 360 points over the range; at least the stored resolution)' })),
  volume: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[^/]+$', description: 'instances: the series of this volume only (disk bytes, ops and latency; other series are null)' })),
  nic: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[^/]+$', description: 'the series of this network device only (an instance\'s tap or veth, a host\'s bridge or VXLAN device; other series are null)' })),
}, { additionalProperties: false });
export type MetricsQuery = Static<typeof MetricsQuery>;

const point = () => Type.Array(Nullable(Type.Number()));
function seriesOf<const N extends readonly string[]>(names: N) {
  const props = {} as { [K in N[number]]: ReturnType<typeof point> };
  for (const n of names) (props as Record<string, TSchema>)[n] = point();
  return Type.Object(props);
}

const seriesBase = {
  resourceId: Type.String(), from: Timestamp, to: Timestamp,
  step: Type.Integer({ description: 'seconds per point' }),
  resolution: Type.Integer({ description: 'the stored resolution the points come from: 10 (raw, last day) or 300 (5-minute rollups, 30 days)' }),
  timestamps: Type.Array(Type.Integer(), { description: 'start of each point, epoch seconds' }),
  cpuPctMax: Type.Array(Nullable(Type.Number()), { description: 'highest cpuPct within each point' }),
  volumes: Type.Array(Type.String(), { description: 'volumes with their own series in the range (ask with `volume=`)' }),
  nics: Type.Array(Type.String(), { description: 'network devices with their own series in the range (ask with `nic=`)' }),
  device: Nullable(Type.String({ description: 'the volume or NIC these series are of; null for the whole instance or host' })),
};

/** Columnar series (one array per metric, aligned with `timestamps`): what charting libraries take as is. */
export const InstanceMetrics = Type.Object({ ...seriesBase, series: seriesOf(instanceSeriesNames) });
export type InstanceMetrics = Static<typeof InstanceMetrics>;
export const HostMetrics = Type.Object({ ...seriesBase, series: seriesOf(hostSeriesNames) });
export type HostMetrics = Static<typeof HostMetrics>;

/** What an instance uses right now (its newest sample). */
export const InstanceUsage = Type.Object({
  instanceId: Type.String(), name: Type.String(), accountId: Type.String(), hostId: Type.String(), at: Type.Integer(),
  cpuPct: Type.Number(), memoryBytes: Type.Number(), diskBps: Type.Number(), diskIops: Type.Number(), netBps: Type.Number(), netPps: Type.Number(),
});
export type InstanceUsage = Static<typeof InstanceUsage>;

export const TopSort = Type.Union([Type.Literal('cpu'), Type.Literal('memory'), Type.Literal('disk'), Type.Literal('net')]);
export type TopSort = Static<typeof TopSort>;
export const TopQuery = Type.Object({
  sort: Type.Optional(TopSort), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
}, { additionalProperties: false });

/** A host's newest sample. */
export const HostUsage = Type.Object({
  hostId: Type.String(), name: Type.String(), state: Type.String(), at: Nullable(Type.Integer()),
  cpuPct: Nullable(Type.Number()), cpuIowaitPct: Nullable(Type.Number()), cpuStealPct: Nullable(Type.Number()), load1: Nullable(Type.Number()),
  memoryPct: Nullable(Type.Number()), poolUsedPct: Nullable(Type.Number()), diskBps: Nullable(Type.Number()), netBps: Nullable(Type.Number()),
});
export type HostUsage = Static<typeof HostUsage>;

/** The bottleneck view of one host: what it uses and which of its instances use most. */
export const HostTop = Type.Object({
  host: HostUsage,
  sort: TopSort,
  topConsumer: Nullable(Type.String({ description: 'the instance using most of `sort` on this host now' })),
  instances: Type.Array(InstanceUsage),
});
export type HostTop = Static<typeof HostTop>;

/** The dashboard's heat map (admins: every host) and top consumers (tenants: their own instances). */
export const MetricsOverview = Type.Object({
  hosts: Type.Array(Type.Object({ ...HostUsage.properties, top: Nullable(InstanceUsage) })),
  top: Type.Object({ cpu: Type.Array(InstanceUsage), memory: Type.Array(InstanceUsage), disk: Type.Array(InstanceUsage), net: Type.Array(InstanceUsage) }),
});
export type MetricsOverview = Static<typeof MetricsOverview>;

export const AlertListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })) }, { additionalProperties: false });
export const Alert = Type.Object({
  id: Type.String(), rule: Type.String({ description: 'host-down, pool-full, instance-cpu-saturated, ha-restart, host-fenced, operation-failed' }),
  severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('error')]),
  resourceType: Type.String(), resourceId: Type.String(), message: Type.String(), createdAt: Timestamp,
});
export type Alert = Static<typeof Alert>;
export const AlertList = Type.Object({ items: Type.Array(Alert) });
