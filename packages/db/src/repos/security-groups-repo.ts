import type { Kysely } from 'kysely';
import type { Database, SecurityGroupRow, SecurityGroupRuleRow } from '../schema.ts';
import { CrudRepo } from './crud-repo.ts';

/** Security groups of an account (EC2 semantics: allow rules, union over a NIC's groups). */
export class SecurityGroupsRepo extends CrudRepo<'securityGroups'> {
  constructor(db: Kysely<Database>) {
    super(db, { table: 'securityGroups', tenantScoped: true, sortable: ['name', 'createdAt'], filterable: ['name', 'accountId'] });
  }

  async byName(accountId: string, name: string, db: Kysely<Database> = this.db): Promise<SecurityGroupRow | undefined> {
    return db.selectFrom('securityGroups').selectAll().where('accountId', '=', accountId).where('name', '=', name).executeTakeFirst();
  }

  async rules(groupIds: readonly string[], db: Kysely<Database> = this.db): Promise<SecurityGroupRuleRow[]> {
    if (groupIds.length === 0) return [];
    return db.selectFrom('securityGroupRules').selectAll().where('securityGroupId', 'in', [...groupIds]).orderBy('id').execute();
  }
}
