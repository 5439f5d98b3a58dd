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

  async usedInRange(rangeId: string, db: Kysely<Database> = this.db): Promise<string[]> {
    return (await db.selectFrom('publicIps').select('address').where('rangeId', '=', rangeId).execute()).map((r) => r.address);
  }

  async ofNetwork(networkId: string, db: Kysely<Database> = this.db): Promise<PublicIpRow[]> {
    return db.selectFrom('publicIps').selectAll().where('networkId', '=', networkId).orderBy('id').execute();
  }
}
