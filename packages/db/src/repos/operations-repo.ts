import type { Kysely } from 'kysely';
import type { Database, OperationRow } from '../schema.ts';
import { CrudRepo } from './crud-repo.ts';

/** Operations: the record of every slow, host-touching request. */
export class OperationsRepo extends CrudRepo<'operations'> {
  constructor(db: Kysely<Database>) {
    super(db, {
      table: 'operations', tenantScoped: true,
      sortable: ['createdAt', 'status', 'kind'], filterable: ['status', 'resourceId', 'kind'],
    });
  }

  async byIdempotencyKey(accountId: string, key: string, db: Kysely<Database> = this.db): Promise<OperationRow | undefined> {
    return db.selectFrom('operations').selectAll().where('accountId', '=', accountId).where('idempotencyKey', '=', key).executeTakeFirst();
  }

  /** The unfinished operations of a resource, oldest first. */
  async activeFor(resourceId: string, db: Kysely<Database> = this.db): Promise<OperationRow[]> {
    return db.selectFrom('operations').selectAll().where('resourceId', '=', resourceId)
      .where('status', 'in', ['pending', 'running']).orderBy('id').execute();
  }

  async allActive(): Promise<OperationRow[]> {
    return this.db.selectFrom('operations').selectAll().where('status', 'in', ['pending', 'running']).execute();
  }

  async getAny(id: string): Promise<OperationRow | undefined> {
    return this.db.selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async patch(id: string, patch: Partial<OperationRow>, db: Kysely<Database> = this.db): Promise<void> {
    await db.updateTable('operations').set(patch).where('id', '=', id).execute();
  }
}
