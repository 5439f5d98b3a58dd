import type { Kysely } from 'kysely';

/*
 * Live and cold migration (issue 11):
 * 1. migrationPolicies: a zone's migration settings (one row per zone; a zone without a row uses
 *    the defaults in @kumo/db's defaultMigrationPolicy): downtime limit, bandwidth, auto-converge,
 *    post-copy after N passes (null: never), timeout, retry on the next candidate host, and how many
 *    migrations a host may take part in at once.
 * 2. migrations: the durable record of every attempt to move an instance (one row per attempt; a
 *    retry on the next host is a new row of the same operation). `state` is where the controller
 *    is; after a restart it resumes from it. stats/result/endpoint are JSON.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('migrationPolicies')
    .addColumn('zoneId', 'text', (c) => c.primaryKey().references('zones.id').onDelete('cascade'))
    .addColumn('downtimeLimitMs', 'integer', (c) => c.notNull())
    .addColumn('maxBandwidthMiBPerSec', 'integer', (c) => c.notNull())
    .addColumn('autoConverge', 'integer', (c) => c.notNull())
    .addColumn('postcopyAfterPasses', 'integer')
    .addColumn('timeoutMs', 'integer', (c) => c.notNull())
    .addColumn('retryNextHost', 'integer', (c) => c.notNull())
    .addColumn('maxPerHost', 'integer', (c) => c.notNull())
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('migrations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('accountId', 'text', (c) => c.notNull())
    .addColumn('instanceId', 'text', (c) => c.notNull())
    .addColumn('operationId', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('sourceHostId', 'text', (c) => c.notNull())
    .addColumn('targetHostId', 'text')
    .addColumn('requestedHostId', 'text')
    .addColumn('excludedHostIds', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text')
    .addColumn('stats', 'text')
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('startedAt', 'text')
    .addColumn('finishedAt', 'text')
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('migrationsInstance').on('migrations').columns(['instanceId', 'createdAt']).execute();
  await db.schema.createIndex('migrationsState').on('migrations').columns(['state']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('migrations').execute();
  await db.schema.dropTable('migrationPolicies').execute();
}
