import { sql, type Kysely } from 'kysely';
import type { Database, MetricSampleRow } from '../schema.ts';

/** The value columns of metricSamples (averaged by rollups and queries; cpuPctMax keeps the maximum). */
export const metricValueColumns = [
  'cpuPct', 'memoryBytes', 'cpuIowaitPct', 'cpuStealPct', 'load1', 'memoryTotalBytes', 'poolUsedPct',
  'diskReadBps', 'diskWriteBps', 'diskReadIops', 'diskWriteIops', 'netRxBps', 'netTxBps', 'netRxPps', 'netTxPps', 'netDropsPs',
  'guestMemoryUsedBytes', 'diskReadLatencyMs', 'diskWriteLatencyMs',
] as const;
export type MetricValueColumn = typeof metricValueColumns[number];

/** One bucket of a series query: `t` is the bucket's start (seconds). */
export type MetricBucketRow = { t: number; cpuPctMax: number | null } & { [K in MetricValueColumn]: number | null };

// Rows per INSERT: below SQLite's 32 766 and PostgreSQL's 65 535 bound parameters at 24 columns.
const insertChunk = 500;

/** The series id of one device of an instance or host: `<owner>/<kind>/<device>`. */
export function deviceSeriesId(ownerId: string, kind: 'volume' | 'nic', device: string): string {
  return `${ownerId}/${kind}/${device}`;
}

/**
 * Stored metric series (infrastructure data, not tenant-scoped: callers check the resource through
 * its scoped repository first, e.g. `instances.get(scope, id)`, and then read its series by id).
 */
export class MetricsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Store raw samples; a sample already stored (same resource, step and time) is kept as it was. */
  async insert(rows: readonly MetricSampleRow[], db: Kysely<Database> = this.db): Promise<void> {
    for (let i = 0; i < rows.length; i += insertChunk) {
      await db.insertInto('metricSamples').values(rows.slice(i, i + insertChunk))
        .onConflict((oc) => oc.columns(['resourceId', 'step', 'at']).doNothing()).execute();
    }
  }

  /** Buckets of `bucketSec` seconds over stored rows of `step` in [from, to), averaged (cpuPctMax: maximum). */
  async series(resourceId: string, step: number, from: number, to: number, bucketSec: number): Promise<MetricBucketRow[]> {
    const bucket = sql<number>`(${sql.ref('at')} / ${sql.lit(Math.trunc(bucketSec))}) * ${sql.lit(Math.trunc(bucketSec))}`;
    const rows = await this.db.selectFrom('metricSamples')
      .select((eb) => [
        bucket.as('t'), eb.fn.max('cpuPctMax').as('cpuPctMax'),
        ...metricValueColumns.map((c) => eb.fn.avg<number | null>(c).as(c)),
      ])
      .where('resourceId', '=', resourceId).where('step', '=', step).where('at', '>=', from).where('at', '<', to)
      .groupBy(bucket).orderBy(bucket).execute();
    return rows as unknown as MetricBucketRow[];
  }

  /**
   * The devices of `ownerId` (an instance or host) with rows of `step` in [from, to): volume ids and
   * NIC device names, sorted. Ids are `<owner>/<kind>/<device>`, so a range over the primary key finds them.
   */
  async devices(ownerId: string, step: number, from: number, to: number): Promise<{ volumes: string[]; nics: string[] }> {
    const rows = await this.db.selectFrom('metricSamples').select('resourceId').distinct()
      .where('resourceId', '>', `${ownerId}/`).where('resourceId', '<', `${ownerId}0`) // '0' sorts right after '/'
      .where('step', '=', step).where('at', '>=', from).where('at', '<', to).execute();
    const out = { volumes: [] as string[], nics: [] as string[] };
    for (const { resourceId } of rows) {
      const rest = resourceId.slice(ownerId.length + 1);
      const slash = rest.indexOf('/');
      const kind = rest.slice(0, slash);
      if (kind === 'volume') out.volumes.push(rest.slice(slash + 1));
      else if (kind === 'nic') out.nics.push(rest.slice(slash + 1));
    }
    out.volumes.sort();
    out.nics.sort();
    return out;
  }

  /** Raw rows of one kind since `since` (seconds), optionally of one host: the newest per resource is the "now" of the bottleneck view. */
  async recent(kind: 'instance' | 'host', since: number, hostId?: string): Promise<MetricSampleRow[]> {
    let q = this.db.selectFrom('metricSamples').selectAll().where('step', '=', 10).where('resourceKind', '=', kind).where('at', '>=', since);
    if (hostId) q = q.where('hostId', '=', hostId);
    return q.orderBy('at', 'desc').execute();
  }

  /**
   * Per instance with raw samples since `since` (seconds): its lowest cpuPct and its first sample's
   * time in that window (the CPU-saturation alert: saturated when even the lowest is at the
   * threshold and the samples reach back to the window's start).
   */
  async cpuWindow(since: number): Promise<Array<{ resourceId: string; hostId: string; minCpuPct: number; firstAt: number }>> {
    const rows = await this.db.selectFrom('metricSamples')
      .select((eb) => ['resourceId', eb.fn.max('hostId').as('hostId'), eb.fn.min('cpuPct').as('minCpu'), eb.fn.min('at').as('firstAt')])
      .where('step', '=', 10).where('resourceKind', '=', 'instance').where('at', '>=', since)
      .groupBy('resourceId').execute();
    return rows.map((r) => ({ resourceId: r.resourceId, hostId: String(r.hostId), minCpuPct: Number(r.minCpu), firstAt: Number(r.firstAt) }));
  }

  /**
   * Roll raw rows with `at` in [from, to) up into 5-minute rows (step 300); buckets already rolled
   * up are recomputed (samples that arrived late count), so running it twice changes nothing.
   */
  async rollUp(from: number, to: number, bucketSec = 300): Promise<void> {
    const b = sql.lit(Math.trunc(bucketSec));
    const bucket = sql<number>`(${sql.ref('at')} / ${b}) * ${b}`;
    const select = this.db.selectFrom('metricSamples')
      .select((eb) => [
        'resourceId', sql<number>`${b}`.as('step'), bucket.as('at'), eb.fn.max('resourceKind').as('resourceKind'), eb.fn.max('hostId').as('hostId'),
        eb.fn.max('cpuPctMax').as('cpuPctMax'),
        ...metricValueColumns.map((c) => eb.fn.avg(c).as(c)),
      ])
      .where('step', '=', 10).where('at', '>=', from).where('at', '<', to)
      .groupBy(['resourceId', bucket]);
    const cols = ['resourceId', 'step', 'at', 'resourceKind', 'hostId', 'cpuPctMax', ...metricValueColumns] as const;
    await this.db.insertInto('metricSamples').columns([...cols]).expression(select)
      .onConflict((oc) => oc.columns(['resourceId', 'step', 'at']).doUpdateSet((eb) => Object.fromEntries(
        ['hostId', 'cpuPctMax', ...metricValueColumns].map((c) => [c, eb.ref(`excluded.${c}` as `excluded.cpuPct`)]),
      ))).execute();
  }

  /** Delete rows of `step` older than `before` (seconds); answers how many went. */
  async prune(step: number, before: number): Promise<number> {
    const r = await this.db.deleteFrom('metricSamples').where('step', '=', step).where('at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** The newest rolled-up bucket, or null (where a rollup pass resumes). */
  async lastRollup(step = 300): Promise<number | null> {
    const r = await this.db.selectFrom('metricSamples').select((eb) => eb.fn.max('at').as('at')).where('step', '=', step).executeTakeFirst();
    return r?.at === null || r?.at === undefined ? null : Number(r.at);
  }

  async count(step?: number): Promise<number> {
    let q = this.db.selectFrom('metricSamples').select((eb) => eb.fn.countAll<number>().as('n'));
    if (step !== undefined) q = q.where('step', '=', step);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }
}
