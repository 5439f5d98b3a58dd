import type { Kysely } from 'kysely';

/*
 * Quotas, usage records and the audit log (issue 12).
 * - quotas: one row per owner. `ownerKind` is 'account' today; domains and projects become owners
 *   later without a schema change. A null limit means "the server's default" (unlimited unless
 *   configured).
 * - usageEvents: from `at` on, meter `meter` of a resource stands at `quantity` (0: it stopped).
 *   Written in the same transaction as the state change it follows, so the history is exact across
 *   restarts and crashes; hours are integrals of these levels, computed when asked for.
 * - auditLog: one row per mutating API call: who, from where, the route, the resource, the result.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  let q = db.schema.createTable('quotas')
    .addColumn('ownerKind', 'text', (c) => c.notNull())
    .addColumn('ownerId', 'text', (c) => c.notNull());
  for (const col of ['instances', 'vcpus', 'memoryMiB', 'volumes', 'volumeGiB', 'snapshots', 'publicIps', 'networks']) q = q.addColumn(col, 'bigint');
  await q.addColumn('updatedAt', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('quotasPk', ['ownerKind', 'ownerId']).execute();

  await db.schema.createTable('usageEvents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ownerKind', 'text', (c) => c.notNull())
    .addColumn('ownerId', 'text', (c) => c.notNull())
    .addColumn('resourceType', 'text', (c) => c.notNull())
    .addColumn('resourceId', 'text', (c) => c.notNull())
    .addColumn('meter', 'text', (c) => c.notNull())
    .addColumn('offeringId', 'text')
    .addColumn('quantity', 'double precision', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('usageEventsOwnerAt').on('usageEvents').columns(['ownerKind', 'ownerId', 'at']).execute();
  await db.schema.createIndex('usageEventsResource').on('usageEvents').columns(['resourceId', 'meter', 'at']).execute();

  await db.schema.createTable('auditLog')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('accountId', 'text', (c) => c.notNull())
    .addColumn('userId', 'text')
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('sourceAddress', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('resourceId', 'text')
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('errorCode', 'text')
    .addColumn('requestId', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('auditLogAccountCreated').on('auditLog').columns(['accountId', 'createdAt']).execute();
  await db.schema.createIndex('auditLogCreated').on('auditLog').columns(['createdAt']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('auditLog').execute();
  await db.schema.dropTable('usageEvents').execute();
  await db.schema.dropTable('quotas').execute();
}
