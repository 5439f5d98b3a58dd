import type { Kysely } from 'kysely';
import type { Database, SecurityGroupRow, SecurityGroupRuleRow } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { CrudRepo } from './crud-repo.ts';

/** Security groups of an account (EC2 semantics: allow rules, union over a NIC's groups). */
export class SecurityGroupsRepo extends CrudRepo<'securityGroups'> {
  constructor(db: Kysely<Database>) {
    super(db, { table: 'securityGroups', tenantScoped: true, sortable: ['name', 'createdAt'], filterable: ['name', 'accountId'] });
  }

  async byName(accountId: string, name: string, db: Kysely<Database> = this.db): Promise<SecurityGroupRow | undefined> {
    return db.selectFrom('securityGroups').selectAll().where('accountId', '=', accountId).where('name', '=', name).executeTakeFirst();
  }

  /** Which of these group ids are groups of this account (a NIC's or a rule's groups belong to its account). */
  async idsInAccount(accountId: string, ids: readonly string[], db: Kysely<Database> = this.db): Promise<string[]> {
    if (ids.length === 0) return [];
    return (await db.selectFrom('securityGroups').select('id').where('accountId', '=', accountId).where('id', 'in', [...ids]).execute()).map((r) => r.id);
  }

  /** How many NICs are in a group. */
  async memberCount(groupId: string, db: Kysely<Database> = this.db): Promise<number> {
    const r = await db.selectFrom('nicSecurityGroups').select((eb) => eb.fn.countAll<number>().as('n')).where('securityGroupId', '=', groupId).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Other groups with a rule naming this group as its peer (one row per such rule). */
  async peerReferences(groupId: string, db: Kysely<Database> = this.db): Promise<Array<{ id: string; name: string }>> {
    return db.selectFrom('securityGroupRules').innerJoin('securityGroups', 'securityGroups.id', 'securityGroupRules.securityGroupId')
      .select(['securityGroups.name', 'securityGroups.id']).where('securityGroupRules.remoteGroupId', '=', groupId)
      .where('securityGroupRules.securityGroupId', '!=', groupId).execute();
  }

  /** Delete a group of the caller's (admins: anyone's) with its rules. False: not there. */
  async deleteWithRules(scope: Scope, id: string, db: Kysely<Database> = this.db): Promise<boolean> {
    if (!(await this.getForWrite(scope, id, db))) return false;
    await db.deleteFrom('securityGroupRules').where('securityGroupId', '=', id).execute();
    return this.delete(scope, id, db);
  }

  async insertRule(row: SecurityGroupRuleRow, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('securityGroupRules').values(row).execute();
  }

  /** Delete a rule of a group the caller may change. False: the group has no such rule. */
  async deleteRule(groupId: string, ruleId: string, db: Kysely<Database> = this.db): Promise<boolean> {
    const r = await db.deleteFrom('securityGroupRules').where('id', '=', ruleId).where('securityGroupId', '=', groupId).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  async rules(groupIds: readonly string[], db: Kysely<Database> = this.db): Promise<SecurityGroupRuleRow[]> {
    if (groupIds.length === 0) return [];
    return db.selectFrom('securityGroupRules').selectAll().where('securityGroupId', 'in', [...groupIds]).orderBy('id').execute();
  }
}
