import type { Kysely } from 'kysely';

/*
 * Metrics (issue 17): one wide row per resource, resolution and time.
 * - metricSamples: `step` 10 holds the agents' raw samples (kept 1 day), `step` 300 the 5-minute
 *   rollups (kept 30 days). `at` is seconds since the epoch (for rollups, the bucket's start).
 *   Host rows leave the instance-only columns null and the other way round. `hostId` on instance
 *   rows is the host the sample came from (the bottleneck view groups by it). `cpuPctMax` is the
 *   highest raw cpuPct within a rollup (equal to cpuPct on raw rows).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  const num = 'double precision';
  let t = db.schema.createTable('metricSamples')
    .addColumn('resourceId', 'text', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('resourceKind', 'text', (c) => c.notNull())
    .addColumn('hostId', 'text', (c) => c.notNull());
  for (const col of ['cpuPct', 'cpuPctMax', 'memoryBytes']) t = t.addColumn(col, num, (c) => c.notNull());
  for (const col of [
    'cpuIowaitPct', 'cpuStealPct', 'load1', 'memoryTotalBytes', 'poolUsedPct',
    'diskReadBps', 'diskWriteBps', 'diskReadIops', 'diskWriteIops', 'netRxBps', 'netTxBps', 'netRxPps', 'netTxPps', 'netDropsPs',
  ]) t = t.addColumn(col, num);
  await t.addPrimaryKeyConstraint('metricSamplesPk', ['resourceId', 'step', 'at']).execute();
  await db.schema.createIndex('metricSamplesStepAt').on('metricSamples').columns(['step', 'at']).execute();
  await db.schema.createIndex('metricSamplesHost').on('metricSamples').columns(['hostId', 'step', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('metricSamples').execute();
}
