import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

let seq = 0;

/**
 * Run `fn` inside a savepoint of the caller's transaction: when it throws, only its own writes
 * are undone and the transaction stays usable (PostgreSQL aborts a whole transaction on a failed
 * statement otherwise). This is what lets an allocation retry after losing a unique-constraint race.
 */
export async function withSavepoint<R>(trx: Kysely<Database>, fn: () => Promise<R>): Promise<R> {
  const name = sql.raw(`kumo_sp_${++seq % 1_000_000}`);
  await sql`savepoint ${name}`.execute(trx);
  try {
    const r = await fn();
    await sql`release savepoint ${name}`.execute(trx);
    return r;
  } catch (e) {
    await sql`rollback to savepoint ${name}`.execute(trx);
    await sql`release savepoint ${name}`.execute(trx);
    throw e;
  }
}

/** A unique or primary-key violation, on SQLite or PostgreSQL. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
    || /unique constraint|duplicate key/i.test(String(e));
}

/** A foreign-key violation (a row is still referenced, or references nothing), on either dialect. */
export function isForeignKeyViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || /foreign key/i.test(String(e));
}
