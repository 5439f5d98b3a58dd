import type { Kysely } from 'kysely';
import type { Database, LoadBalancerRow, PortForwardRow, PublicIpRow } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { CrudRepo } from './crud-repo.ts';
import { inTransaction, UsageEventsRepo } from './usage-events-repo.ts';
import { whereOwned } from '../scope-filter.ts';

/** Public addresses allocated to accounts from a zone's public IP ranges (free addresses have no row). */
export class PublicIpsRepo extends CrudRepo<'publicIps'> {
  constructor(db: Kysely<Database>) {
    super(db, {
      table: 'publicIps', tenantScoped: true,
      sortable: ['createdAt', 'address'], filterable: ['zoneId', 'networkId', 'address', 'rangeId', 'accountId'],
    });
  }

  private readonly usage = new UsageEventsRepo(this.db);

  /** Insert an allocated address; its usage meter starts at its creation, in the same transaction. */
  override async insert(row: PublicIpRow, db: Kysely<Database> = this.db): Promise<void> {
    await inTransaction(db, async (trx) => {
      await super.insert(row, trx);
      await this.usage.record(trx, { ownerId: row.accountId, resourceType: 'publicIp', resourceId: row.id }, [{ meter: 'publicIp', quantity: 1 }], row.createdAt);
    });
  }

  /** Release an address the caller may change; its usage meter stops at `nowIso`. False: it was not there. */
  async release(scope: Scope, id: string, nowIso: string, db: Kysely<Database> = this.db): Promise<boolean> {
    return inTransaction(db, async (trx) => {
      const row = await this.getForWrite(scope, id, trx);
      if (!row || !(await this.delete(scope, id, trx))) return false;
      await this.usage.record(trx, { ownerId: row.accountId, resourceType: 'publicIp', resourceId: id }, [{ meter: 'publicIp', quantity: 0 }], nowIso);
      return true;
    });
  }

  async getAny(id: string, db: Kysely<Database> = this.db): Promise<PublicIpRow | undefined> {
    return db.selectFrom('publicIps').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Address of each public IP, by id (ids missing from the map have no row). Callers pass ids taken
   * from rows they already read through their scope (a rule's or a router's public IP).
   */
  async addressesOf(ids: readonly string[], db: Kysely<Database> = this.db): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('publicIps').select(['id', 'address']).where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map((r) => [r.id, r.address]));
  }

  /** Port forwards of this protocol on a public IP (for port clash checks). */
  async portForwardsOn(publicIpId: string, protocol: PortForwardRow['protocol'], db: Kysely<Database> = this.db): Promise<PortForwardRow[]> {
    return db.selectFrom('portForwards').selectAll().where('publicIpId', '=', publicIpId).where('protocol', '=', protocol).execute();
  }

  /** Load balancers on a public IP, with their (TCP) public port. */
  async loadBalancersOn(publicIpId: string, db: Kysely<Database> = this.db): Promise<Array<Pick<LoadBalancerRow, 'id' | 'name' | 'publicPort'>>> {
    return db.selectFrom('loadBalancers').select(['id', 'name', 'publicPort']).where('publicIpId', '=', publicIpId).execute();
  }

  /** The public IP statically NATed to a NIC, if any. */
  async staticNatOf(nicId: string, db: Kysely<Database> = this.db): Promise<Pick<PublicIpRow, 'id' | 'address'> | undefined> {
    return db.selectFrom('publicIps').select(['id', 'address']).where('staticNatNicId', '=', nicId).executeTakeFirst();
  }

  /** Map a public IP of the caller's to a NIC, only if it has no static NAT yet. False: it got one meanwhile. */
  async claimStaticNat(scope: Scope, id: string, nicId: string, db: Kysely<Database> = this.db): Promise<boolean> {
    let q = db.updateTable('publicIps').set({ staticNatNicId: nicId }).where('id', '=', id).where('staticNatNicId', 'is', null);
    q = whereOwned(q, 'accountId', scope, true);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  async usedInRange(rangeId: string, db: Kysely<Database> = this.db): Promise<string[]> {
    return (await db.selectFrom('publicIps').select('address').where('rangeId', '=', rangeId).execute()).map((r) => r.address);
  }

  async ofNetwork(networkId: string, db: Kysely<Database> = this.db): Promise<PublicIpRow[]> {
    return db.selectFrom('publicIps').selectAll().where('networkId', '=', networkId).orderBy('id').execute();
  }
}
