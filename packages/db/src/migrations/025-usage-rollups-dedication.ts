import type { Kysely } from 'kysely';

/*
 * Usage rollups (issue 12, tenancy): hourly and daily usage per owner, meter and offering, closed
 * once by the controller's rollup job and never changed after.
 * - usageRollups: `amount` is level × milliseconds (1 running instance for an hour: 3 600 000;
 *   10 GiB for an hour: 36 000 000) — whole numbers, so hours add up to days exactly. `offeringKey`
 *   is the offering id or '' (a primary key column cannot be null). `granularity` is 'hour' or 'day'.
 * - usageRollupCursor: one row ('usage'): every hour before `closedUntil` is rolled up, and the
 *   day rows of every day that ends by then. Advanced with compare-and-swap in the transaction
 *   that writes the rows, so a crash leaves either the whole step or none of it.
 * Per-domain and per-project totals are a join of usageRollups.ownerId on accounts (docs/accounting.md).
 *
 * Dedicated resources (tenancy): zones, pods and clusters get `dedicatedAccountId` like hosts have
 * had since 001; a host's dedication is its own, else its cluster's, pod's or zone's (the nearest
 * one set). Dedication to a domain joins as a `dedicatedDomainId` column on the same four tables.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('usageRollups')
    .addColumn('granularity', 'text', (c) => c.notNull())
    .addColumn('start', 'text', (c) => c.notNull())
    .addColumn('ownerKind', 'text', (c) => c.notNull())
    .addColumn('ownerId', 'text', (c) => c.notNull())
    .addColumn('meter', 'text', (c) => c.notNull())
    .addColumn('offeringKey', 'text', (c) => c.notNull())
    .addColumn('amount', 'double precision', (c) => c.notNull())
    .addColumn('closedAt', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('usageRollupsPk', ['granularity', 'ownerKind', 'ownerId', 'start', 'meter', 'offeringKey'])
    .execute();
  await db.schema.createIndex('usageRollupsStart').on('usageRollups').columns(['granularity', 'start']).execute();
  await db.schema.createTable('usageRollupCursor')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('closedUntil', 'text', (c) => c.notNull())
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .execute();
  for (const t of ['zones', 'pods', 'clusters']) await db.schema.alterTable(t).addColumn('dedicatedAccountId', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['clusters', 'pods', 'zones']) await db.schema.alterTable(t).dropColumn('dedicatedAccountId').execute();
  await db.schema.dropTable('usageRollupCursor').execute();
  await db.schema.dropTable('usageRollups').execute();
}
