import { hostSeriesNames, instanceSeriesNames, nicSeriesNames, volumeSeriesNames, type Clock } from '@kumo/core';
import {
  ApiError, type HostMetrics, type HostTop, type HostUsage, type InstanceMetrics, type InstanceUsage, type MetricsOverview, type MetricsQuery, type TopSort,
} from '@kumo/api';
import { deviceSeriesId, type HostRow, type MetricBucketRow, type MetricSampleRow, type Repos, type Scope } from '@kumo/db';
import { rawStepSec } from './metrics-ingest.ts';
import type { MetricsRetentionOptions } from './metrics-retention.ts';

/** Most points one series answer may hold. */
export const maxMetricPoints = 2000;
/** A sample older than this is not "now" any more (heartbeats carry samples every 10–30 s). */
export const recentWindowSec = 90;

function parseTime(v: string | undefined, field: string, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  if (/^\d+$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new ApiError('bad_request', `${field}: not a time (ISO-8601 or epoch seconds): ${v}`, { field });
  return Math.floor(ms / 1000);
}

const iso = (sec: number): string => new Date(sec * 1000).toISOString();
const sum = (...v: Array<number | null>): number => v.reduce<number>((a, b) => a + (b ?? 0), 0);
const pct = (part: number | null, total: number | null): number | null => (part === null || !total ? null : Math.round((10_000 * part) / total) / 100);

function usageOf(r: MetricSampleRow, names: ReadonlyMap<string, { name: string; accountId: string }>): InstanceUsage {
  const who = names.get(r.resourceId);
  return {
    instanceId: r.resourceId, name: who?.name ?? r.resourceId, accountId: who?.accountId ?? '', hostId: r.hostId, at: r.at,
    cpuPct: r.cpuPct, memoryBytes: r.memoryBytes, diskBps: sum(r.diskReadBps, r.diskWriteBps), diskIops: sum(r.diskReadIops, r.diskWriteIops),
    netBps: sum(r.netRxBps, r.netTxBps), netPps: sum(r.netRxPps, r.netTxPps),
  };
}

const sortKey: Record<TopSort, (u: InstanceUsage) => number> = { cpu: (u) => u.cpuPct, memory: (u) => u.memoryBytes, disk: (u) => u.diskBps, net: (u) => u.netBps };

/** Newest row per resource (rows come newest first). */
function newestPerResource(rows: readonly MetricSampleRow[]): MetricSampleRow[] {
  const seen = new Map<string, MetricSampleRow>();
  for (const r of rows) if (!seen.has(r.resourceId)) seen.set(r.resourceId, r);
  return [...seen.values()];
}

/**
 * Answers the metrics API: series of one instance or host over a range (from the raw samples or the
 * 5-minute rollups, whichever covers the range), and the bottleneck view (who uses most right now).
 * Instances are looked up through the caller's scope first: another tenant's instance is not found.
 */
export class MetricsQueryService {
  constructor(private readonly repos: Repos, private readonly clock: Clock, private readonly retention: MetricsRetentionOptions) {}

  private now(): number { return Math.floor(this.clock.now() / 1000); }

  async instanceSeries(scope: Scope, id: string, q: MetricsQuery): Promise<InstanceMetrics> {
    const inst = await this.repos.instances.get(scope, id);
    if (!inst || inst.phase === 'deleted') throw new ApiError('not_found', `instance ${id} not found`);
    return this.series(id, q, instanceSeriesNames) as Promise<InstanceMetrics>;
  }

  async hostSeries(id: string, q: MetricsQuery): Promise<HostMetrics> {
    await this.requireHost(id);
    if (q.volume !== undefined) throw new ApiError('bad_request', 'volume: hosts have no volume series (use nic= for a bridge or VXLAN device)', { field: 'volume' });
    const r = await this.series(id, q, hostSeriesNames);
    // Stored as memoryBytes on host rows.
    const { memoryBytes, ...rest } = r.series as Record<string, Array<number | null>>;
    return { ...r, series: { ...rest, memoryUsedBytes: memoryBytes ?? [] } } as HostMetrics;
  }

  private async requireHost(id: string): Promise<HostRow> {
    const host = await this.repos.hosts.getAny(id);
    if (!host) throw new ApiError('not_found', `host ${id} not found`);
    return host;
  }

  /**
   * Series of `id`, or of one of its devices (`volume=` / `nic=`): then only the device's series have
   * values and the others are null, so the answer keeps one shape.
   */
  private async series(id: string, q: MetricsQuery, names: readonly string[]) {
    if (q.volume !== undefined && q.nic !== undefined) throw new ApiError('bad_request', 'nic: ask for one device at a time (volume or nic)', { field: 'nic' });
    const device = q.volume !== undefined ? { kind: 'volume' as const, name: q.volume, names: volumeSeriesNames as readonly string[] }
      : q.nic !== undefined ? { kind: 'nic' as const, name: q.nic, names: nicSeriesNames as readonly string[] } : null;
    const now = this.now();
    const to = parseTime(q.to, 'to', now);
    const from = parseTime(q.from, 'from', to - 3600);
    if (from >= to) throw new ApiError('bad_request', `from: must be before to (${iso(from)} is not before ${iso(to)})`, { field: 'from' });
    const rawReaches = from >= now - this.retention.rawKeepSec;
    const auto = Math.ceil((to - from) / 360 / rawStepSec) * rawStepSec;
    const wanted = q.step ?? auto;
    const resolution = rawReaches && wanted < this.retention.rollupStepSec ? rawStepSec : this.retention.rollupStepSec;
    const step = Math.ceil(Math.max(wanted, resolution) / resolution) * resolution;
    if ((to - from) / step > maxMetricPoints) {
      throw new ApiError('bad_request', `step: ${step} s gives more than ${maxMetricPoints} points over the range; use a step of at least ${Math.ceil((to - from) / maxMetricPoints)} s`, { field: 'step' });
    }
    const [rows, devices] = await Promise.all([
      this.repos.metrics.series(device ? deviceSeriesId(id, device.kind, device.name) : id, resolution, from, to, step),
      this.repos.metrics.devices(id, resolution, from, to),
    ]);
    const round = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);
    const pick = (c: keyof MetricBucketRow) => rows.map((r) => round(r[c]));
    const storedName = (n: string): keyof MetricBucketRow => (n === 'memoryUsedBytes' ? 'memoryBytes' : n) as keyof MetricBucketRow;
    const valuesOf = (n: string) => (!device || device.names.includes(n) ? pick(storedName(n)) : rows.map(() => null));
    return {
      resourceId: id, from: iso(from), to: iso(to), step, resolution, timestamps: rows.map((r) => Number(r.t)),
      cpuPctMax: device ? rows.map(() => null) : pick('cpuPctMax'), volumes: devices.volumes, nics: devices.nics, device: device?.name ?? null,
      series: Object.fromEntries(names.map((n) => [n === 'memoryUsedBytes' ? 'memoryBytes' : n, valuesOf(n)])),
    };
  }

  private async instanceNames(ids: readonly string[]): Promise<Map<string, { name: string; accountId: string }>> {
    const out = new Map<string, { name: string; accountId: string }>();
    for (const id of ids) {
      const i = await this.repos.instances.getAny(id);
      if (i) out.set(id, { name: i.name, accountId: i.accountId });
    }
    return out;
  }

  private hostUsage(h: HostRow, r: MetricSampleRow | undefined): HostUsage {
    return {
      hostId: h.id, name: h.name, state: h.state, at: r?.at ?? null, cpuPct: r?.cpuPct ?? null, cpuIowaitPct: r?.cpuIowaitPct ?? null,
      cpuStealPct: r?.cpuStealPct ?? null, load1: r?.load1 ?? null, memoryPct: r ? pct(r.memoryBytes, r.memoryTotalBytes) : null,
      poolUsedPct: r?.poolUsedPct ?? null, diskBps: r ? sum(r.diskReadBps, r.diskWriteBps) : null, netBps: r ? sum(r.netRxBps, r.netTxBps) : null,
    };
  }

  /** The bottleneck view of one host (admins): its newest sample and its instances by what they use now. */
  async hostTop(id: string, sort: TopSort = 'cpu', limit = 10): Promise<HostTop> {
    const host = await this.requireHost(id);
    const since = this.now() - recentWindowSec;
    const [hostRows, instRows] = await Promise.all([this.repos.metrics.recent('host', since, id), this.repos.metrics.recent('instance', since, id)]);
    const newest = newestPerResource(instRows);
    const names = await this.instanceNames(newest.map((r) => r.resourceId));
    const instances = newest.filter((r) => names.has(r.resourceId)).map((r) => usageOf(r, names))
      .sort((a, b) => sortKey[sort](b) - sortKey[sort](a)).slice(0, limit);
    return { host: this.hostUsage(host, hostRows[0]), sort, topConsumer: instances[0]?.instanceId ?? null, instances };
  }

  /** The dashboard: every host's newest sample and top instance (admins), and the top instances the caller may see. */
  async overview(scope: Scope, limit = 5): Promise<MetricsOverview> {
    const since = this.now() - recentWindowSec;
    const newest = newestPerResource(await this.repos.metrics.recent('instance', since));
    const names = await this.instanceNames(newest.map((r) => r.resourceId));
    const usages = newest.filter((r) => { const n = names.get(r.resourceId); return n && (scope.admin || n.accountId === scope.accountId); }).map((r) => usageOf(r, names));
    const topBy = (s: TopSort) => [...usages].sort((a, b) => sortKey[s](b) - sortKey[s](a)).slice(0, limit);
    const top = { cpu: topBy('cpu'), memory: topBy('memory'), disk: topBy('disk'), net: topBy('net') };
    if (!scope.admin) return { hosts: [], top };
    const hostRows = newestPerResource(await this.repos.metrics.recent('host', since));
    const hosts = await this.repos.db.selectFrom('hosts').selectAll().orderBy('name').execute();
    return {
      top,
      hosts: hosts.map((h) => ({
        ...this.hostUsage(h, hostRows.find((r) => r.resourceId === h.id)),
        top: usages.filter((u) => u.hostId === h.id).sort((a, b) => b.cpuPct - a.cpuPct)[0] ?? null,
      })),
    };
  }
}
