import type { Kysely } from 'kysely';
import type { Database, LoadBalancerMemberRow, LoadBalancerRow } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { CrudRepo } from './crud-repo.ts';

export type LoadBalancerMemberView = LoadBalancerMemberRow & { instanceId: string; ip: string };

/** Load balancers of isolated networks and their member NICs. */
export class LoadBalancersRepo extends CrudRepo<'loadBalancers'> {
  constructor(db: Kysely<Database>) {
    super(db, { table: 'loadBalancers', tenantScoped: true, sortable: ['name', 'createdAt'], filterable: ['name', 'networkId', 'publicIpId'] });
  }

  /** The load balancer of this name in an account (names are unique per account). */
  async byName(accountId: string, name: string, db: Kysely<Database> = this.db): Promise<LoadBalancerRow | undefined> {
    return db.selectFrom('loadBalancers').selectAll().where('accountId', '=', accountId).where('name', '=', name).executeTakeFirst();
  }

  /** Member NIC ids of a load balancer the caller has read, sorted. */
  async memberNicIds(lbId: string, db: Kysely<Database> = this.db): Promise<string[]> {
    return (await db.selectFrom('loadBalancerMembers').select('nicId').where('loadBalancerId', '=', lbId).orderBy('nicId').execute()).map((r) => r.nicId);
  }

  /** Members of a load balancer the caller has read, with their NIC's instance and private IP. */
  async members(lbId: string, db: Kysely<Database> = this.db): Promise<LoadBalancerMemberView[]> {
    return db.selectFrom('loadBalancerMembers').innerJoin('nics', 'nics.id', 'loadBalancerMembers.nicId')
      .select(['loadBalancerMembers.loadBalancerId', 'loadBalancerMembers.nicId', 'loadBalancerMembers.createdAt', 'nics.instanceId', 'nics.ip'])
      .where('loadBalancerMembers.loadBalancerId', '=', lbId).orderBy('loadBalancerMembers.nicId').execute();
  }

  async addMember(row: LoadBalancerMemberRow, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('loadBalancerMembers').values(row).execute();
  }

  /** False: the NIC was not a member. */
  async removeMember(lbId: string, nicId: string, db: Kysely<Database> = this.db): Promise<boolean> {
    const r = await db.deleteFrom('loadBalancerMembers').where('loadBalancerId', '=', lbId).where('nicId', '=', nicId).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Delete a load balancer of the caller's (admins: anyone's) with its members. False: not there. */
  async deleteWithMembers(scope: Scope, id: string, db: Kysely<Database> = this.db): Promise<boolean> {
    if (!(await this.getForWrite(scope, id, db))) return false;
    await db.deleteFrom('loadBalancerMembers').where('loadBalancerId', '=', id).execute();
    return this.delete(scope, id, db);
  }
}
