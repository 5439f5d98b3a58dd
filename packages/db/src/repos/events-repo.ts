import type { Kysely } from 'kysely';
import type { Database, EventRow } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { CrudRepo } from './crud-repo.ts';
import { whereOwned } from '../scope-filter.ts';

export class EventsRepo extends CrudRepo<'events'> {
  constructor(db: Kysely<Database>) {
    super(db, { table: 'events', tenantScoped: true, sortable: ['createdAt', 'kind'], filterable: ['resourceId', 'kind'] });
  }

  async append(e: EventRow, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('events').values(e).execute();
  }

  /** Alerts (events of kind alert.*) the caller may see, newest first. */
  async alerts(scope: Scope, limit: number): Promise<EventRow[]> {
    let q = this.db.selectFrom('events').selectAll().where('kind', 'like', 'alert.%');
    q = whereOwned(q, 'accountId', scope);
    return q.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }
}
