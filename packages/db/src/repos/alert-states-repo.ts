import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { isUniqueViolation } from './savepoint.ts';

/**
 * Which alert conditions are firing (alert de-duplication), in the database so that a restarted
 * server does not raise them again and two servers do not both raise one: `fire` inserts the
 * condition's key and answers true only to the caller whose insert made it.
 */
export class AlertStatesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Mark `key` firing; true when it was not firing before (the caller raises the alert). */
  async fire(key: string, rule: string, firedAt: string): Promise<boolean> {
    try {
      const r = await this.db.insertInto('alertStates').values({ key, rule, firedAt })
        .onConflict((oc) => oc.column('key').doNothing()).returning('key').executeTakeFirst();
      return r !== undefined;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  /** The condition cleared: the next time it holds, it alerts again. */
  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('alertStates').where('key', '=', key).execute();
  }

  /** Keys firing now that start with `prefix`. */
  async firing(prefix: string): Promise<string[]> {
    const rows = await this.db.selectFrom('alertStates').select('key').where('key', 'like', `${prefix}%`).execute();
    return rows.map((r) => r.key).filter((k) => k.startsWith(prefix));
  }

  /** Forget one-off keys (a failed operation, an event) of `rule` fired before `before` (ISO); answers how many went. */
  async prune(rule: string, before: string): Promise<number> {
    const r = await this.db.deleteFrom('alertStates').where('rule', '=', rule).where('firedAt', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
