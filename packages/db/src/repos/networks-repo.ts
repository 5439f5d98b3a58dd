import { sql, type Kysely } from 'kysely';
import type { Database, NetworkRow } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { CrudRepo } from './crud-repo.ts';

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

  protected override scoped(db: Kysely<Database>, scope: Scope, forWrite = false) {
    const q = db.selectFrom('networks').selectAll('networks');
    if (scope.admin) return q;
    if (forWrite) return q.where('networks.accountId', '=', scope.accountId).where('networks.kind', '=', 'isolated');
    return q.where((eb) => eb.or([eb('networks.accountId', '=', scope.accountId), eb('networks.kind', '=', 'shared')]));
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
