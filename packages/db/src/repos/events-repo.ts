import type { Kysely } from 'kysely';
import type { Database, EventRow } from '../schema.ts';
import { CrudRepo } from './crud-repo.ts';

export class EventsRepo extends CrudRepo<'events'> {
  constructor(db: Kysely<Database>) {
    super(db, { table: 'events', tenantScoped: true, sortable: ['createdAt', 'kind'], filterable: ['resourceId', 'kind'] });
  }

  async append(e: EventRow, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('events').values(e).execute();
  }
}
