import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testPostgresUrl } from '@kumo/db/testing';

/** A new, empty PostgreSQL database on the test server (for several server processes to share); drop() removes it. */
export async function freshPostgresDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: testPostgresUrl });
    await c.connect();
    try { await c.query(sql); } finally { await c.end(); }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const u = new URL(testPostgresUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
