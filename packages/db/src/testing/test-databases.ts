import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle, type Dialect } from '../open-database.ts';

export const testPostgresUrl = process.env.KUMO_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, migrated database of the given dialect; drop() removes every trace of it. */
export async function openTestDatabase(dialect: Dialect): Promise<DatabaseHandle & { drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kumo-db-'));
    const h = await openDatabase({ dataDir: dir });
    return { ...h, drop: async () => { await h.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const schema = `kumo_test_${randomBytes(6).toString('hex')}`;
  // Test files run in parallel, each migrating its own schema; concurrent DDL in one database has
  // raced in PostgreSQL's catalog ("relation … does not exist"). Migrations are serialised here.
  const lock = new pg.Client({ connectionString: testPostgresUrl });
  await lock.connect();
  let h: DatabaseHandle;
  try {
    await lock.query('SELECT pg_advisory_lock(727274)');
    h = await openDatabase({ url: testPostgresUrl, pgSchema: schema });
  } finally {
    await lock.query('SELECT pg_advisory_unlock(727274)').catch(() => undefined);
    await lock.end();
  }
  return {
    ...h,
    drop: async () => {
      await h.close();
      const c = new pg.Client({ connectionString: testPostgresUrl });
      await c.connect();
      try {
        await c.query('SELECT pg_advisory_lock(727274)');
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await c.query('SELECT pg_advisory_unlock(727274)').catch(() => undefined);
        await c.end();
      }
    },
  };
}

export const testDialects: Dialect[] = ['sqlite', 'postgres'];
