import { sql, type Kysely } from 'kysely';
import type { Scope } from '../scope.ts';
import { whereOwned } from '../scope-filter.ts';
import type { AccountRow, Database, DomainRow, ProjectMemberRow, ProjectRole } from '../schema.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- owner lookups over the tables listed in ownedTables */

/** Tables whose rows belong to an account (an `accountId` column): what the policy may ask the owner of. */
export const ownedTables = [
  'instances', 'volumes', 'snapshots', 'images', 'keypairs', 'affinityGroups', 'networks', 'publicIps', 'securityGroups',
  'loadBalancers', 'operations', 'portForwards', 'firewallRules', 'egressRules', 'nics', 'routers', 'apiKeys', 'users',
] as const;
export type OwnedTable = typeof ownedTables[number];

/** An owner account as one caller sees it. */
export interface OwnerRow { accountId: string; accountName: string; kind: string; domainId: string; domainPath: string; memberRole: ProjectRole | null }

/**
 * What the tenancy policy reads before it decides (not scoped: the answer decides), and the
 * domain tree and project memberships it manages.
 */
export class TenancyRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** The account that owns row `id` of `table`, if the row exists. */
  async ownerOf(table: OwnedTable, id: string, db: Kysely<Database> = this.db): Promise<string | undefined> {
    const r = await (db as Kysely<any>).selectFrom(table).select('accountId').where('id', '=', id).executeTakeFirst();
    return (r as { accountId?: string } | undefined)?.accountId;
  }

  /** Account `accountId` as caller account `callerAccountId` sees it: its domain and the caller's role in it (when it is a project). */
  async ownerView(accountId: string, callerAccountId: string, db: Kysely<Database> = this.db): Promise<OwnerRow | undefined> {
    return db.selectFrom('accounts').innerJoin('domains', 'domains.id', 'accounts.domainId')
      .leftJoin('projectMembers', (j) => j.onRef('projectMembers.projectAccountId', '=', 'accounts.id').on('projectMembers.accountId', '=', callerAccountId))
      .select(['accounts.id as accountId', 'accounts.name as accountName', 'accounts.kind', 'accounts.domainId', 'domains.path as domainPath', 'projectMembers.role as memberRole'])
      .where('accounts.id', '=', accountId).executeTakeFirst() as Promise<OwnerRow | undefined>;
  }

  /** Whether the scope may see account `accountId` itself (its own, its projects, its subtree; root admins: any not deleted). */
  async accountVisible(scope: Scope, accountId: string, db: Kysely<Database> = this.db): Promise<boolean> {
    const q = whereOwned(db.selectFrom('accounts').select('accounts.id').where('accounts.id', '=', accountId).where('accounts.state', '!=', 'deleted'), 'accounts.id', scope);
    return (await q.executeTakeFirst()) !== undefined;
  }

  /** The domains from ROOT down to the account's own that have a quota, root first (what a create must also fit in). */
  async quotaDomainsOf(accountId: string, db: Kysely<Database> = this.db): Promise<DomainRow[]> {
    const own = await db.selectFrom('accounts').innerJoin('domains', 'domains.id', 'accounts.domainId').select('domains.path').where('accounts.id', '=', accountId).executeTakeFirst();
    if (!own) return [];
    const parts = own.path.split('/').filter((x) => x !== '');
    const prefixes = parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}/`);
    return db.selectFrom('domains').innerJoin('quotas', (j) => j.onRef('quotas.ownerId', '=', 'domains.id').on('quotas.ownerKind', '=', 'domain'))
      .selectAll('domains').where('domains.path', 'in', prefixes).orderBy('domains.path').execute();
  }

  async domain(id: string, db: Kysely<Database> = this.db): Promise<DomainRow | undefined> {
    return db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async domainByPath(path: string, db: Kysely<Database> = this.db): Promise<DomainRow | undefined> {
    return db.selectFrom('domains').selectAll().where('path', '=', path).executeTakeFirst();
  }

  /** Domains in the subtree at `path` (itself included), by path. */
  async domainsUnder(path: string, db: Kysely<Database> = this.db): Promise<DomainRow[]> {
    return db.selectFrom('domains').selectAll().where(sql`substr(${sql.ref('path')}, 1, ${path.length})`, '=', path).orderBy('path').execute();
  }

  /** Accounts in the subtree at `path` (null: every account), with their domain's path. */
  async accountsUnder(path: string | null, f: { kind?: string; domainId?: string; name?: string } = {}, db: Kysely<Database> = this.db): Promise<Array<AccountRow & { domainPath: string }>> {
    let q = db.selectFrom('accounts').innerJoin('domains', 'domains.id', 'accounts.domainId').selectAll('accounts').select('domains.path as domainPath')
      .where('accounts.state', '!=', 'deleted');
    if (path !== null) q = q.where(sql`substr(${sql.ref('domains.path')}, 1, ${path.length})`, '=', path);
    if (f.kind !== undefined) q = q.where('accounts.kind', '=', f.kind as 'user');
    if (f.domainId !== undefined) q = q.where('accounts.domainId', '=', f.domainId);
    if (f.name !== undefined) q = q.where('accounts.name', '=', f.name);
    return q.orderBy('domains.path').orderBy('accounts.name').limit(1000).execute() as Promise<Array<AccountRow & { domainPath: string }>>;
  }

  async members(projectAccountId: string, db: Kysely<Database> = this.db): Promise<Array<ProjectMemberRow & { accountName: string }>> {
    return db.selectFrom('projectMembers').innerJoin('accounts', 'accounts.id', 'projectMembers.accountId')
      .selectAll('projectMembers').select('accounts.name as accountName')
      .where('projectMembers.projectAccountId', '=', projectAccountId).orderBy('accounts.name').execute();
  }

  /** Add a member or change its role. */
  async putMember(row: ProjectMemberRow, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('projectMembers').values(row)
      .onConflict((oc) => oc.columns(['projectAccountId', 'accountId']).doUpdateSet({ role: row.role })).execute();
  }

  async removeMember(projectAccountId: string, accountId: string, db: Kysely<Database> = this.db): Promise<boolean> {
    const r = await db.deleteFrom('projectMembers').where('projectAccountId', '=', projectAccountId).where('accountId', '=', accountId).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Project memberships of an account and its own memberships as a project, both removed with it. */
  async removeMemberships(accountId: string, db: Kysely<Database> = this.db): Promise<void> {
    await db.deleteFrom('projectMembers').where((eb) => eb.or([eb('accountId', '=', accountId), eb('projectAccountId', '=', accountId)])).execute();
  }

  /** What a cascade deletes through operations: the account's live instances and snapshots, and its data volumes no instance holds. */
  async liveOwned(accountId: string, db: Kysely<Database> = this.db): Promise<{ instances: string[]; snapshots: string[]; freeDataVolumes: string[] }> {
    const live = (t: 'instances' | 'snapshots' | 'volumes'): any => (db as Kysely<any>).selectFrom(t as string).select('id').where('accountId', '=', accountId)
      .where('phase', '!=', 'deleted').where('desired', '!=', 'deleted');
    const ids = async (q: any): Promise<string[]> => ((await q.execute()) as Array<{ id: string }>).map((r) => r.id);
    return {
      instances: await ids(live('instances')), snapshots: await ids(live('snapshots')),
      freeDataVolumes: await ids(live('volumes').where('kind', '=', 'data').where('instanceId', 'is', null)),
    };
  }

  /** How many rows of each owned table (that are not deleted) account `accountId` owns: what a delete must remove first. */
  async ownedCounts(accountId: string, db: Kysely<Database> = this.db): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const live: Partial<Record<OwnedTable, [string, string]>> = {
      instances: ['phase', 'deleted'], volumes: ['phase', 'deleted'], snapshots: ['phase', 'deleted'],
    };
    for (const t of ['instances', 'volumes', 'snapshots', 'images', 'networks', 'publicIps', 'keypairs', 'securityGroups', 'affinityGroups', 'loadBalancers'] as const) {
      let q = (db as Kysely<any>).selectFrom(t).select((eb: any) => eb.fn.countAll().as('n')).where('accountId', '=', accountId);
      const tomb = live[t];
      if (tomb) q = q.where(tomb[0], '!=', tomb[1]);
      const n = Number(((await q.executeTakeFirst()) as { n?: number | string } | undefined)?.n ?? 0);
      if (n > 0) out[t] = n;
    }
    return out;
  }
}
