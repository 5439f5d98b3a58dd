import type { Kysely } from 'kysely';
import type { Database, RouterRow } from '../schema.ts';
import { CrudRepo } from './crud-repo.ts';

/** Virtual routers (and DHCP servers of shared networks). */
export class RoutersRepo extends CrudRepo<'routers'> {
  constructor(db: Kysely<Database>) {
    super(db, { table: 'routers', tenantScoped: true, sortable: ['createdAt', 'state'], filterable: ['networkId', 'hostId', 'state'] });
  }

  /** The router of a network (the caller read the network through its scope). */
  async ofNetwork(networkId: string, db: Kysely<Database> = this.db): Promise<Pick<RouterRow, 'id' | 'publicIpId' | 'state' | 'stateReason'> | undefined> {
    return db.selectFrom('routers').select(['id', 'publicIpId', 'state', 'stateReason']).where('networkId', '=', networkId).executeTakeFirst();
  }

  /**
   * What a host's apply report said about the routers it runs: `running` are up, `failed` are in
   * error with their reason. Only rows still placed on that host change (a router moved meanwhile
   * keeps the state its new host gives it), and only if their state or reason differs. Returns the
   * networks whose router changed state.
   */
  async recordApplied(hostId: string, running: readonly string[], failed: ReadonlyMap<string, string>, nowIso: string, db: Kysely<Database> = this.db): Promise<string[]> {
    const changed: string[] = [];
    if (running.length > 0) {
      const rows = await db.updateTable('routers').set({ state: 'running', stateReason: null, updatedAt: nowIso })
        .where('hostId', '=', hostId).where('id', 'in', [...running])
        .where((eb) => eb.or([eb('state', '!=', 'running'), eb('stateReason', 'is not', null)]))
        .returning('networkId').execute();
      changed.push(...rows.map((r) => r.networkId));
    }
    for (const [id, reason] of failed) {
      const rows = await db.updateTable('routers').set({ state: 'error', stateReason: reason, updatedAt: nowIso })
        .where('hostId', '=', hostId).where('id', '=', id)
        .where((eb) => eb.or([eb('state', '!=', 'error'), eb('stateReason', 'is', null), eb('stateReason', '!=', reason)]))
        .returning('networkId').execute();
      changed.push(...rows.map((r) => r.networkId));
    }
    return changed;
  }
}
