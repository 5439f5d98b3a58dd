import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle, type Dialect } from '../open-database.ts';

export const testPostgresUrl = process.env.KUMO_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Run `fn` holding the lock that serialises schema changes across test files (PostgreSQL only):
 * concurrent DDL in one database races in PostgreSQL's catalog, so tests that migrate up or down
 * by hand do it under this lock, like openTestDatabase and drop.
 */
export async function withSchemaLock<T>(dialect: Dialect, fn: () => Promise<T>): Promise<T> {
  if (dialect !== 'postgres') return fn();
  const lock = new pg.Client({ connectionString: testPostgresUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(727274)');
    return await fn();
  } finally {
    await lock.query('SELECT pg_advisory_unlock(727274)').catch(() => undefined);
    await lock.end();
  }
}

/** A fresh, migrated database of the given dialect; drop() removes every trace of it. */
/** A fresh database of the dialect (its own file or schema), migrated unless `migrate: false`; drop() removes it. */
export async function openTestDatabase(dialect: Dialect, opts: { migrate?: boolean } = {}): Promise<DatabaseHandle & { drop(): Promise<void> }> {
  const migrate = opts.migrate ?? true;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kumo-db-'));
    const h = await openDatabase({ dataDir: dir, migrate });
    return { ...h, drop: async () => { await h.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const schema = `kumo_test_${randomBytes(6).toString('hex')}`;
  // Test files run in parallel, each migrating its own schema; concurrent DDL in one database has
  // raced in PostgreSQL's catalog ("relation … does not exist"). Migrations are serialised here.
  const h = await withSchemaLock('postgres', () => openDatabase({ url: testPostgresUrl, pgSchema: schema, migrate }));
  return {
    ...h,
    drop: async () => {
      await h.close();
      await withSchemaLock('postgres', async () => {
        const c = new pg.Client({ connectionString: testPostgresUrl });
        await c.connect();
        try { await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`); } finally { await c.end(); }
      });
    },
  };
}

export const testDialects: Dialect[] = ['sqlite', 'postgres'];
