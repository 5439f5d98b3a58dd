import type { Kysely } from 'kysely';
import type { Database, OperationRow } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { CrudRepo } from './crud-repo.ts';
import { whereOwned } from '../scope-filter.ts';

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

  /** End these operations as cancelled (a delete superseded them). */
  async cancelSuperseded(ids: readonly string[], message: string, nowIso: string, db: Kysely<Database> = this.db): Promise<void> {
    if (ids.length === 0) return;
    await db.updateTable('operations').set({ status: 'cancelled', message, finishedAt: nowIso, updatedAt: nowIso }).where('id', 'in', [...ids]).execute();
  }

  /** Record that the caller asked to cancel an operation of theirs (admins: anyone's). */
  async requestCancel(scope: Scope, id: string, nowIso: string, db: Kysely<Database> = this.db): Promise<boolean> {
    let q = db.updateTable('operations').set({ cancelRequestedAt: nowIso, message: 'cancelling', updatedAt: nowIso }).where('id', '=', id);
    q = whereOwned(q, 'accountId', scope, true);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  /** Patch an operation only while it is running (progress reports that arrive late change nothing). */
  async patchIfRunning(id: string, patch: Partial<OperationRow>, db: Kysely<Database> = this.db): Promise<boolean> {
    const r = await db.updateTable('operations').set(patch).where('id', '=', id).where('status', '=', 'running').executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async patch(id: string, patch: Partial<OperationRow>, db: Kysely<Database> = this.db): Promise<void> {
    await db.updateTable('operations').set(patch).where('id', '=', id).execute();
  }
}
