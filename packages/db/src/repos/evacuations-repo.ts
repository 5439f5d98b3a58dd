import type { Kysely } from 'kysely';
import type { Database, EvacuationItemState, HostEvacuationItemRow } from '../schema.ts';

/** One instance of an evacuation as the host's view shows it: the item, the instance's name and its migration's progress. */
export interface EvacuationItemView extends HostEvacuationItemRow {
  instanceName: string | null; accountId: string | null;
  operationProgress: number | null; operationProgressDetail: string | null;
}

/**
 * Per-instance state of host evacuations (migration 018). Admin data about hosts: the rows name
 * instances of every account, so only the controller and admin routes read them.
 */
export class EvacuationsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async items(hostId: string, db: Kysely<Database> = this.db): Promise<HostEvacuationItemRow[]> {
    return db.selectFrom('hostEvacuationItems').selectAll().where('hostId', '=', hostId).orderBy('createdAt').orderBy('instanceId').execute();
  }

  /** The items with their instances' names and their operations' progress, for the API. */
  async view(hostId: string): Promise<EvacuationItemView[]> {
    return this.db.selectFrom('hostEvacuationItems as e')
      .leftJoin('instances as i', 'i.id', 'e.instanceId')
      .leftJoin('operations as o', 'o.id', 'e.operationId')
      .selectAll('e')
      .select(['i.name as instanceName', 'i.accountId as accountId', 'o.progress as operationProgress', 'o.progressDetail as operationProgressDetail'])
      .where('e.hostId', '=', hostId).orderBy('e.createdAt').orderBy('e.instanceId').execute();
  }

  /** Add an instance as pending; one already listed stays as it is. */
  async addPending(hostId: string, instanceId: string, nowIso: string): Promise<void> {
    await this.db.insertInto('hostEvacuationItems')
      .values({ hostId, instanceId, state: 'pending', reason: null, operationId: null, createdAt: nowIso, updatedAt: nowIso })
      .onConflict((oc) => oc.columns(['hostId', 'instanceId']).doNothing()).execute();
  }

  async set(hostId: string, instanceId: string, patch: { state: EvacuationItemState; reason?: string | null; operationId?: string | null }, nowIso: string): Promise<void> {
    await this.db.updateTable('hostEvacuationItems').set({ ...patch, updatedAt: nowIso })
      .where('hostId', '=', hostId).where('instanceId', '=', instanceId).execute();
  }

  /** Forget a host's evacuation (a new maintenance request starts a fresh one). */
  async clear(hostId: string, db: Kysely<Database> = this.db): Promise<void> {
    await db.deleteFrom('hostEvacuationItems').where('hostId', '=', hostId).execute();
  }
}
