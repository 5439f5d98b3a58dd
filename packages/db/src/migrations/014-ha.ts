import type { Kysely } from 'kysely';

/*
 * High availability (issue 11):
 *  - hosts: a lease (`leaseExpiresAt`, renewed by every heartbeat for the zone's lease duration)
 *    and a fence state (`none` | `fencing` | `fenced`) with when it started, when it was confirmed,
 *    how (e.g. `rbd-blocklist 10.0.0.5`, `lease-files stale`), why it could not be (error) and the
 *    registration it fenced (a later one means the host came back).
 *  - instances: `ha` (restart elsewhere when the host fails), `haPriority` (higher first) and the
 *    restart bookkeeping (`haRestarts`, `haLastRestartAt`, `haRestartedFrom`: the host it was lost on,
 *    whose copy must be destroyed before that host is unfenced).
 *  - zones: the HA settings — lease duration, fence margin (how long before the lease ends a host
 *    that cannot renew stops its HA guests) and how many restarts run at once.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('hosts').addColumn('leaseExpiresAt', 'text').execute();
  await db.schema.alterTable('hosts').addColumn('fenceState', 'text', (c) => c.notNull().defaultTo('none')).execute();
  await db.schema.alterTable('hosts').addColumn('fenceStartedAt', 'text').execute();
  await db.schema.alterTable('hosts').addColumn('fencedAt', 'text').execute();
  await db.schema.alterTable('hosts').addColumn('fenceMethod', 'text').execute();
  await db.schema.alterTable('hosts').addColumn('fenceError', 'text').execute();
  await db.schema.alterTable('hosts').addColumn('fenceGeneration', 'integer').execute();
  await db.schema.alterTable('instances').addColumn('ha', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('instances').addColumn('haPriority', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('instances').addColumn('haRestarts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('instances').addColumn('haLastRestartAt', 'text').execute();
  await db.schema.alterTable('instances').addColumn('haRestartedFrom', 'text').execute();
  await db.schema.alterTable('zones').addColumn('haLeaseMs', 'integer', (c) => c.notNull().defaultTo(20_000)).execute();
  await db.schema.alterTable('zones').addColumn('haFenceMarginMs', 'integer', (c) => c.notNull().defaultTo(5_000)).execute();
  await db.schema.alterTable('zones').addColumn('haRestartConcurrency', 'integer', (c) => c.notNull().defaultTo(4)).execute();
  await db.schema.createIndex('hostsLease').on('hosts').columns(['leaseExpiresAt']).execute();
  await db.schema.createIndex('instancesHa').on('instances').columns(['ha', 'hostId']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('instancesHa').execute();
  await db.schema.dropIndex('hostsLease').execute();
  for (const c of ['haRestartConcurrency', 'haFenceMarginMs', 'haLeaseMs']) await db.schema.alterTable('zones').dropColumn(c).execute();
  for (const c of ['haRestartedFrom', 'haLastRestartAt', 'haRestarts', 'haPriority', 'ha']) await db.schema.alterTable('instances').dropColumn(c).execute();
  for (const c of ['fenceGeneration', 'fenceError', 'fenceMethod', 'fencedAt', 'fenceStartedAt', 'fenceState', 'leaseExpiresAt']) await db.schema.alterTable('hosts').dropColumn(c).execute();
}
