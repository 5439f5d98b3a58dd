import type { Kysely } from 'kysely';
import type { Database, NicRow } from '../schema.ts';
import { CrudRepo } from './crud-repo.ts';

/** Guest NICs: one address and MAC each, unique per network (IP) and cloud-wide (MAC). */
export class NicsRepo extends CrudRepo<'nics'> {
  constructor(db: Kysely<Database>) {
    super(db, { table: 'nics', tenantScoped: true, sortable: ['createdAt', 'ip'], filterable: ['instanceId', 'networkId', 'ip', 'mac'] });
  }

  async getAny(id: string, db: Kysely<Database> = this.db): Promise<NicRow | undefined> {
    return db.selectFrom('nics').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async usedIps(networkId: string, db: Kysely<Database> = this.db): Promise<string[]> {
    return (await db.selectFrom('nics').select('ip').where('networkId', '=', networkId).execute()).map((r) => r.ip);
  }

  async ofInstance(instanceId: string, db: Kysely<Database> = this.db): Promise<NicRow[]> {
    return db.selectFrom('nics').selectAll().where('instanceId', '=', instanceId).orderBy('deviceIndex').execute();
  }

  async countInNetwork(networkId: string, db: Kysely<Database> = this.db): Promise<number> {
    const r = await db.selectFrom('nics').select((eb) => eb.fn.countAll<number>().as('n')).where('networkId', '=', networkId).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Security-group ids of each NIC, sorted. */
  async groupIds(nicIds: readonly string[], db: Kysely<Database> = this.db): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(nicIds.map((id) => [id, []]));
    if (nicIds.length === 0) return out;
    const rows = await db.selectFrom('nicSecurityGroups').selectAll().where('nicId', 'in', [...nicIds]).orderBy('securityGroupId').execute();
    for (const r of rows) out.get(r.nicId)?.push(r.securityGroupId);
    return out;
  }

  /** Replace a NIC's security groups. */
  async setGroups(nicId: string, groupIds: readonly string[], db: Kysely<Database> = this.db): Promise<void> {
    await db.deleteFrom('nicSecurityGroups').where('nicId', '=', nicId).execute();
    for (const g of [...new Set(groupIds)]) await db.insertInto('nicSecurityGroups').values({ nicId, securityGroupId: g }).execute();
  }
}
