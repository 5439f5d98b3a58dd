import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** The database as a whole, for liveness checks. */
export class HealthRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** A trivial read that fails when the database is unreachable (or not migrated). */
  async ping(): Promise<void> {
    await this.db.selectFrom('zones').select('id').limit(1).execute();
  }
}
