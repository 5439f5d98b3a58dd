import type { Kysely } from 'kysely';
import type { Database, NicRow } from '../schema.ts';
import { CrudRepo } from './crud-repo.ts';

export interface InstanceAddressRow {
  nicId: string; deviceIndex: number; networkId: string; networkName: string; mac: string; ip: string; publicIp: string | null;
}

/** Guest NICs: one address and MAC each, unique per network (IP) and cloud-wide (MAC). */
export class NicsRepo extends CrudRepo<'nics'> {
  constructor(db: Kysely<Database>) {
    super(db, { table: 'nics', tenantScoped: true, sortable: ['createdAt', 'ip'], filterable: ['instanceId', 'networkId', 'ip', 'mac'] });
  }

  async getAny(id: string, db: Kysely<Database> = this.db): Promise<NicRow | undefined> {
    return db.selectFrom('nics').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Private IP of each NIC, by id (ids taken from rows the caller read through its scope). */
  async ipsOf(ids: readonly string[], db: Kysely<Database> = this.db): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('nics').select(['id', 'ip']).where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map((r) => [r.id, r.ip]));
  }

  async usedIps(networkId: string, db: Kysely<Database> = this.db): Promise<string[]> {
    return (await db.selectFrom('nics').select('ip').where('networkId', '=', networkId).execute()).map((r) => r.ip);
  }

  async ofInstance(instanceId: string, db: Kysely<Database> = this.db): Promise<NicRow[]> {
    return db.selectFrom('nics').selectAll().where('instanceId', '=', instanceId).orderBy('deviceIndex').execute();
  }

  /** The instance of every NIC on a network (one entry per NIC). */
  async instanceIdsInNetwork(networkId: string, db: Kysely<Database> = this.db): Promise<string[]> {
    return (await db.selectFrom('nics').select('instanceId').where('networkId', '=', networkId).execute()).map((r) => r.instanceId);
  }

  async countInNetwork(networkId: string, db: Kysely<Database> = this.db): Promise<number> {
    const r = await db.selectFrom('nics').select((eb) => eb.fn.countAll<number>().as('n')).where('networkId', '=', networkId).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /**
   * The addresses of many instances in one query (a list page or one instance): per NIC, in device
   * order, its network (id and name), MAC, private IP and the public IP statically NATed to it.
   * Callers pass ids of instances they already read through their scope.
   */
  async addressesOf(instanceIds: readonly string[], db: Kysely<Database> = this.db): Promise<Map<string, InstanceAddressRow[]>> {
    const out = new Map<string, InstanceAddressRow[]>();
    if (instanceIds.length === 0) return out;
    const rows = await db.selectFrom('nics').innerJoin('networks', 'networks.id', 'nics.networkId')
      .leftJoin('publicIps', 'publicIps.staticNatNicId', 'nics.id')
      .select(['nics.instanceId', 'nics.id as nicId', 'nics.deviceIndex', 'nics.networkId', 'networks.name as networkName', 'nics.mac', 'nics.ip', 'publicIps.address as publicIp'])
      .where('nics.instanceId', 'in', [...instanceIds]).orderBy('nics.instanceId').orderBy('nics.deviceIndex').execute();
    for (const { instanceId, ...a } of rows) {
      const list = out.get(instanceId);
      if (list) list.push(a); else out.set(instanceId, [a]);
    }
    return out;
  }

  /** Security-group ids of each NIC, sorted. */
  async groupIds(nicIds: readonly string[], db: Kysely<Database> = this.db): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(nicIds.map((id) => [id, []]));
    if (nicIds.length === 0) return out;
    const rows = await db.selectFrom('nicSecurityGroups').selectAll().where('nicId', 'in', [...nicIds]).orderBy('securityGroupId').execute();
    for (const r of rows) out.get(r.nicId)?.push(r.securityGroupId);
    return out;
  }

  /**
   * Delete an instance's NICs with what hangs on them: load-balancer memberships, port forwards,
   * static NATs and security-group memberships. Returns the networks the NICs were on and the
   * groups they were in (for the caller's config bumps).
   */
  async deleteOfInstance(instanceId: string, db: Kysely<Database> = this.db): Promise<{ networkIds: string[]; groupIds: string[] }> {
    const nics = await db.selectFrom('nics').select(['id', 'networkId']).where('instanceId', '=', instanceId).execute();
    if (nics.length === 0) return { networkIds: [], groupIds: [] };
    const ids = nics.map((n) => n.id);
    const groupIds = (await db.selectFrom('nicSecurityGroups').select('securityGroupId').distinct().where('nicId', 'in', ids).execute()).map((r) => r.securityGroupId);
    await db.deleteFrom('loadBalancerMembers').where('nicId', 'in', ids).execute();
    await db.deleteFrom('portForwards').where('nicId', 'in', ids).execute();
    await db.updateTable('publicIps').set({ staticNatNicId: null }).where('staticNatNicId', 'in', ids).execute();
    await db.deleteFrom('nicSecurityGroups').where('nicId', 'in', ids).execute();
    await db.deleteFrom('nics').where('id', 'in', ids).execute();
    return { networkIds: [...new Set(nics.map((n) => n.networkId))], groupIds };
  }

  /** Replace a NIC's security groups. */
  async setGroups(nicId: string, groupIds: readonly string[], db: Kysely<Database> = this.db): Promise<void> {
    await db.deleteFrom('nicSecurityGroups').where('nicId', '=', nicId).execute();
    for (const g of [...new Set(groupIds)]) await db.insertInto('nicSecurityGroups').values({ nicId, securityGroupId: g }).execute();
  }
}
