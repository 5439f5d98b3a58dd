import type { Kysely } from 'kysely';
import type { Database, PublicIpRow } from '../schema.ts';
import { CrudRepo } from './crud-repo.ts';

/** Public addresses allocated to accounts from a zone's public IP ranges (free addresses have no row). */
export class PublicIpsRepo extends CrudRepo<'publicIps'> {
  constructor(db: Kysely<Database>) {
    super(db, {
      table: 'publicIps', tenantScoped: true,
      sortable: ['createdAt', 'address'], filterable: ['zoneId', 'networkId', 'address', 'rangeId', 'accountId'],
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

  async usedInRange(rangeId: string, db: Kysely<Database> = this.db): Promise<string[]> {
    return (await db.selectFrom('publicIps').select('address').where('rangeId', '=', rangeId).execute()).map((r) => r.address);
  }

  async ofNetwork(networkId: string, db: Kysely<Database> = this.db): Promise<PublicIpRow[]> {
    return db.selectFrom('publicIps').selectAll().where('networkId', '=', networkId).orderBy('id').execute();
  }
}
