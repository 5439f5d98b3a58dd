import { sql, type Kysely } from 'kysely';

/*
 * 1. A deleted instance keeps its row (history, events, operations point at it), but it no longer
 *    holds on to its image, image version, offering or key pair: those references become nullable,
 *    and deleting one clears it on deleted instances (live instances refuse the delete).
 *    Before, the NOT NULL foreign keys made such deletes fail with a 500.
 * 2. A router's state gets its reason (`stateReason`): why it is in `error` (the host's apply report
 *    or a refused apply), null otherwise.
 * 3. An index on publicIps.staticNatNicId: instance reads show each NIC's static-NAT address.
 *
 * SQLite cannot drop NOT NULL in place: the instances table is rebuilt with SQLite's documented
 * procedure (foreign keys off, copy into a new table, swap, check, foreign keys on). Kysely runs
 * SQLite migrations outside a transaction, so the pragma takes effect.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
const nullableColumns = ['image_id', 'image_version_id', 'offering_id'] as const;

/**
 * SQLite has no version() function; PostgreSQL does. The probe fails only on SQLite, whose
 * migrations run outside a transaction, so the failure leaves nothing aborted.
 */
async function isSqlite(db: Kysely<any>): Promise<boolean> {
  try {
    await sql`select version()`.execute(db);
    return false;
  } catch { return true; }
}

/** Rebuild `instances` on SQLite with `edit` applied to its CREATE TABLE statement. */
async function rebuildSqliteInstances(db: Kysely<any>, edit: (createSql: string) => string): Promise<void> {
  const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'instances'`.execute(db);
  const createSql = table.rows[0]?.sql;
  if (!createSql) throw new Error('migration 008: table instances not found');
  const indexes = await sql<{ sql: string }>`select sql from sqlite_master where type = 'index' and tbl_name = 'instances' and sql is not null`.execute(db);
  const edited = edit(createSql).replace(/^CREATE TABLE\s+"?instances"?/i, 'CREATE TABLE "instances_new"');
  if (edited === createSql) throw new Error('migration 008: could not rewrite the instances table');
  await sql`PRAGMA foreign_keys = OFF`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      await sql.raw(edited).execute(trx);
      await sql`insert into "instances_new" select * from "instances"`.execute(trx);
      await sql`drop table "instances"`.execute(trx);
      await sql`alter table "instances_new" rename to "instances"`.execute(trx);
      for (const ix of indexes.rows) await sql.raw(ix.sql).execute(trx);
      const broken = await sql`PRAGMA foreign_key_check`.execute(trx);
      if (broken.rows.length > 0) throw new Error(`migration 008: foreign key check failed: ${JSON.stringify(broken.rows.slice(0, 3))}`);
    });
  } finally {
    await sql`PRAGMA foreign_keys = ON`.execute(db);
  }
}

const dropNotNull = (createSql: string): string => {
  let out = createSql;
  for (const c of nullableColumns) out = out.replace(new RegExp(`("${c}"\\s+text)\\s+not null`, 'i'), '$1');
  return out;
};
const addNotNull = (createSql: string): string => {
  let out = createSql;
  for (const c of nullableColumns) out = out.replace(new RegExp(`("${c}"\\s+text)(?!\\s+not null)`, 'i'), '$1 not null');
  return out;
};

export async function up(db: Kysely<any>): Promise<void> {
  if (await isSqlite(db)) {
    await rebuildSqliteInstances(db, dropNotNull);
  } else {
    await db.schema.alterTable('instances').alterColumn('imageId', (c) => c.dropNotNull()).execute();
    await db.schema.alterTable('instances').alterColumn('imageVersionId', (c) => c.dropNotNull()).execute();
    await db.schema.alterTable('instances').alterColumn('offeringId', (c) => c.dropNotNull()).execute();
  }
  await db.schema.alterTable('routers').addColumn('stateReason', 'text').execute();
  // An instance's addresses join the public IP statically NATed to each NIC.
  await db.schema.createIndex('publicIpsStaticNat').on('publicIps').columns(['staticNatNicId']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('publicIpsStaticNat').execute();
  await db.schema.alterTable('routers').dropColumn('stateReason').execute();
  if (await isSqlite(db)) {
    await rebuildSqliteInstances(db, addNotNull);
  } else {
    await db.schema.alterTable('instances').alterColumn('offeringId', (c) => c.setNotNull()).execute();
    await db.schema.alterTable('instances').alterColumn('imageVersionId', (c) => c.setNotNull()).execute();
    await db.schema.alterTable('instances').alterColumn('imageId', (c) => c.setNotNull()).execute();
  }
}
