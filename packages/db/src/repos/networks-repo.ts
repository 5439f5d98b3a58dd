import { sql, type Kysely } from 'kysely';
import type { Database, NetworkRow } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { CrudRepo } from './crud-repo.ts';
import { inTransaction, UsageEventsRepo } from './usage-events-repo.ts';
import { ownerFilter, whereOwned } from '../scope-filter.ts';

/**
 * Guest networks. Isolated networks belong to one account; shared networks are created by an
 * admin and every account may see (and attach NICs to) them, but only admins change them.
 */
export class NetworksRepo extends CrudRepo<'networks'> {
  constructor(db: Kysely<Database>) {
    super(db, {
      table: 'networks', tenantScoped: true,
      sortable: ['name', 'createdAt', 'cidr'], filterable: ['name', 'zoneId', 'kind', 'accountId', 'physicalNetworkId'],
    });
  }

  private readonly usage = new UsageEventsRepo(this.db);

  /** Insert a network; its usage meter starts at its creation, in the same transaction. */
  override async insert(row: NetworkRow, db: Kysely<Database> = this.db): Promise<void> {
    await inTransaction(db, async (trx) => {
      await super.insert(row, trx);
      await this.usage.record(trx, { ownerId: row.accountId, resourceType: 'network', resourceId: row.id }, [{ meter: 'network', quantity: 1 }], row.createdAt);
    });
  }

  protected override scoped(db: Kysely<Database>, scope: Scope, forWrite = false) {
    const q = db.selectFrom('networks').selectAll('networks');
    if (scope.admin) return q;
    if (forWrite) return whereOwned(q, 'networks.accountId', scope, true).where('networks.kind', '=', 'isolated');
    return q.where((eb) => eb.or([ownerFilter(eb, 'networks.accountId', scope, false), eb('networks.kind', '=', 'shared')]));
  }

  /**
   * Bump configVersion (and updatedAt) of these networks, in id order so that two transactions
   * touching the same networks lock them in the same order. The data-plane reconciler reacts to it.
   */
  async bumpConfig(trx: Kysely<Database>, networkIds: Iterable<string>, nowIso: string): Promise<void> {
    for (const id of [...new Set(networkIds)].sort()) {
      await trx.updateTable('networks').set({ configVersion: sql`config_version + 1`, updatedAt: nowIso }).where('id', '=', id).execute();
    }
  }

  async getAny(id: string, db: Kysely<Database> = this.db): Promise<NetworkRow | undefined> {
    return db.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Gateway and CIDR of each network, by id (for NIC views; ids from NICs the caller may see). */
  async subnetsOf(ids: readonly string[], db: Kysely<Database> = this.db): Promise<Map<string, Pick<NetworkRow, 'gateway' | 'cidr'>>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('networks').select(['id', 'gateway', 'cidr']).where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map(({ id, ...net }) => [id, net]));
  }

  /** The caller's own network of this name in a zone (e.g. `default`, which new instances join). */
  async ownByName(scope: Scope, zoneId: string, name: string, db: Kysely<Database> = this.db): Promise<NetworkRow | undefined> {
    return db.selectFrom('networks').selectAll().where('accountId', '=', scope.accountId).where('zoneId', '=', zoneId).where('name', '=', name).executeTakeFirst();
  }

  /** The network of this name in an account, any zone (names are unique per account). */
  async byAccountAndName(accountId: string, name: string, db: Kysely<Database> = this.db): Promise<NetworkRow | undefined> {
    return db.selectFrom('networks').selectAll().where('accountId', '=', accountId).where('name', '=', name).executeTakeFirst();
  }

  /** CIDRs of a zone's shared networks (for overlap checks). */
  async sharedOfZone(zoneId: string, db: Kysely<Database> = this.db): Promise<Array<Pick<NetworkRow, 'id' | 'name' | 'cidr'>>> {
    return db.selectFrom('networks').select(['id', 'name', 'cidr']).where('zoneId', '=', zoneId).where('kind', '=', 'shared').orderBy('id').execute();
  }

  /** The network using a VLAN on a physical network, if any. */
  async onVlan(physicalNetworkId: string, vlan: number, db: Kysely<Database> = this.db): Promise<Pick<NetworkRow, 'id' | 'name'> | undefined> {
    return db.selectFrom('networks').select(['id', 'name']).where('physicalNetworkId', '=', physicalNetworkId).where('vlan', '=', vlan).executeTakeFirst();
  }

  /**
   * Delete a network the caller may change with its load balancers (and their members), firewall,
   * egress and port-forward rules, router and public IPs. The caller checked it has no NICs.
   * False: it was not there.
   */
  async deleteWithDependents(scope: Scope, id: string, nowIso: string, outer: Kysely<Database> = this.db): Promise<boolean> {
    return inTransaction(outer, async (db) => {
      const net = await this.getForWrite(scope, id, db);
      if (!net) return false;
      // The network's and its addresses' usage meters stop now (same transaction as the deletes).
      const ips = await db.selectFrom('publicIps').select(['id', 'accountId']).where('networkId', '=', id).execute();
      for (const ip of ips) await this.usage.record(db, { ownerId: ip.accountId, resourceType: 'publicIp', resourceId: ip.id }, [{ meter: 'publicIp', quantity: 0 }], nowIso);
      await this.usage.record(db, { ownerId: net.accountId, resourceType: 'network', resourceId: id }, [{ meter: 'network', quantity: 0 }], nowIso);
      const lbs = (await db.selectFrom('loadBalancers').select('id').where('networkId', '=', id).execute()).map((r) => r.id);
      if (lbs.length > 0) await db.deleteFrom('loadBalancerMembers').where('loadBalancerId', 'in', lbs).execute();
      for (const table of ['loadBalancers', 'firewallRules', 'egressRules', 'portForwards', 'routers'] as const) {
        await db.deleteFrom(table).where('networkId', '=', id).execute();
      }
      await db.deleteFrom('publicIps').where('networkId', '=', id).execute();
      return this.delete(scope, id, db);
    });
  }

  /** The owning account of each network, by id. */
  async ownersOf(ids: Iterable<string>, db: Kysely<Database> = this.db): Promise<Map<string, string>> {
    const list = [...new Set(ids)];
    if (list.length === 0) return new Map();
    const rows = await db.selectFrom('networks').select(['id', 'accountId']).where('id', 'in', list).execute();
    return new Map(rows.map((r) => [r.id, r.accountId]));
  }

  /**
   * Networks whose NICs are in a group with a rule naming one of `groupIds` as its peer: their
   * hosts' security-group sets list the members of those groups, so membership changes reach them.
   */
  async dependingOnGroups(groupIds: readonly string[], db: Kysely<Database> = this.db): Promise<string[]> {
    if (groupIds.length === 0) return [];
    const rows = await db.selectFrom('securityGroupRules')
      .innerJoin('nicSecurityGroups', 'nicSecurityGroups.securityGroupId', 'securityGroupRules.securityGroupId')
      .innerJoin('nics', 'nics.id', 'nicSecurityGroups.nicId')
      .select('nics.networkId').distinct()
      .where('securityGroupRules.remoteGroupId', 'in', [...groupIds])
      .execute();
    return rows.map((r) => r.networkId);
  }

  /** Networks with a NIC in one of these groups. */
  async withGroupMembers(groupIds: readonly string[], db: Kysely<Database> = this.db): Promise<string[]> {
    if (groupIds.length === 0) return [];
    const rows = await db.selectFrom('nicSecurityGroups').innerJoin('nics', 'nics.id', 'nicSecurityGroups.nicId')
      .select('nics.networkId').distinct().where('nicSecurityGroups.securityGroupId', 'in', [...groupIds]).execute();
    return rows.map((r) => r.networkId);
  }

  /** The networks on a physical network, with their segment (every account's: for admin range changes). */
  async onPhysicalNetwork(physicalNetworkId: string, db: Kysely<Database> = this.db): Promise<Array<Pick<NetworkRow, 'id' | 'name' | 'vni' | 'vlan' | 'kind'>>> {
    return db.selectFrom('networks').select(['id', 'name', 'vni', 'vlan', 'kind']).where('physicalNetworkId', '=', physicalNetworkId).execute();
  }

  /** Ids of every network of a zone. */
  async idsInZone(zoneId: string, db: Kysely<Database> = this.db): Promise<string[]> {
    return (await db.selectFrom('networks').select('id').where('zoneId', '=', zoneId).execute()).map((r) => r.id);
  }

  /** CIDRs of an account's networks (for overlap checks). */
  async ofAccount(accountId: string, db: Kysely<Database> = this.db): Promise<Array<Pick<NetworkRow, 'id' | 'name' | 'cidr'>>> {
    return db.selectFrom('networks').select(['id', 'name', 'cidr']).where('accountId', '=', accountId).orderBy('id').execute();
  }

  async usedVnis(zoneId: string, db: Kysely<Database> = this.db): Promise<number[]> {
    const rows = await db.selectFrom('networks').select('vni').where('zoneId', '=', zoneId).where('vni', 'is not', null).execute();
    return rows.map((r) => r.vni as number);
  }

  async usedVlans(physicalNetworkId: string, db: Kysely<Database> = this.db): Promise<number[]> {
    const rows = await db.selectFrom('networks').select('vlan').where('physicalNetworkId', '=', physicalNetworkId).where('vlan', 'is not', null).execute();
    return rows.map((r) => r.vlan as number);
  }
}
