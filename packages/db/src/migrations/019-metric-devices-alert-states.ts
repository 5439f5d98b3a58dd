import type { Kysely } from 'kysely';

/*
 * Metrics, second part (issue 17):
 * - metricSamples gains guest-reported memory (virtio-balloon) and per-operation disk latency. Rows
 *   of one volume or NIC of an instance (`<instance>/volume/<volumeId>`, `<instance>/nic/<device>`)
 *   and of a host's bridges and VXLAN devices (`<host>/nic/<device>`) live in the same table, with
 *   resourceKind volume | nic | host-nic, so rollups and retention treat them like every other series;
 *   their cpuPct, cpuPctMax and memoryBytes are 0.
 * - alertStates: which alert conditions are firing now (de-duplication), shared by every server and
 *   kept across restarts: a key is inserted when its alert is raised (only one inserter wins) and
 *   deleted when the condition clears.
 * - instances.memoryBalloon: 1 once the controller starts the guest with a virtio-balloon (its
 *   guest-reported memory); 0 for guests running from before, so their migrations keep their devices.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  for (const col of ['guestMemoryUsedBytes', 'diskReadLatencyMs', 'diskWriteLatencyMs']) {
    await db.schema.alterTable('metricSamples').addColumn(col, 'double precision').execute();
  }
  await db.schema.alterTable('instances').addColumn('memoryBalloon', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createTable('alertStates')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('firedAt', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('alertStates').execute();
  await db.schema.alterTable('instances').dropColumn('memoryBalloon').execute();
  for (const col of ['guestMemoryUsedBytes', 'diskReadLatencyMs', 'diskWriteLatencyMs']) {
    await db.schema.alterTable('metricSamples').dropColumn(col).execute();
  }
}
