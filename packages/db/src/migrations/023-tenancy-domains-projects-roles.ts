import type { Kysely } from 'kysely';

/*
 * Tenancy (issue [tenancy]): domains > accounts > users, projects and roles.
 * - domains: a tree. `path` is the names from the root, '/ROOT/reseller/': a domain admin's
 *   subtree is every domain whose path starts with theirs (one indexed prefix test, no recursion).
 *   The ROOT domain is seeded; every existing account lands in it.
 * - accounts: domainId, state (enabled | disabled), kind ('user': people log in to it; 'project':
 *   it owns a project's resources, its members act on them), roleId (null: derived from the old
 *   `role` column, which stays for compatibility: 'admin' → root-admin, 'user' → user).
 * - users: state (enabled | disabled).
 * - roles: the four built-in ones and custom ones: a base role plus allow/deny lists of API action
 *   names ('instance:create', 'volume:*'), JSON arrays.
 * - projectMembers: which accounts act on a project account's resources, and how
 *   (member: read and change, admin: also manage members, read-only: read).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export const rootDomainId = 'domain-root';

export async function up(db: Kysely<any>): Promise<void> {
  const now = new Date().toISOString();
  await db.schema.createTable('domains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parentId', 'text', (c) => c.references('domains.id'))
    .addColumn('path', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('enabled'))
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('domainsParent').on('domains').columns(['parentId', 'name']).unique().execute();
  await db.insertInto('domains').values({ id: rootDomainId, name: 'ROOT', parentId: null, path: '/ROOT/', state: 'enabled', createdAt: now }).execute();

  await db.schema.createTable('roles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('base', 'text', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('allow', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('deny', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .execute();
  const builtins = [
    ['role-root-admin', 'root-admin', 'everything, in every domain'],
    ['role-domain-admin', 'domain-admin', 'everything inside its own domain subtree'],
    ['role-user', 'user', 'its own account\'s and its projects\' resources'],
    ['role-read-only', 'read-only', 'reads what a user of its account may read'],
  ] as const;
  await db.insertInto('roles').values(builtins.map(([id, name, description]) => ({ id, name, base: name, builtin: 1, allow: '[]', deny: '[]', description, createdAt: now }))).execute();

  await db.schema.alterTable('accounts').addColumn('domainId', 'text', (c) => c.notNull().defaultTo(rootDomainId)).execute();
  await db.schema.alterTable('accounts').addColumn('state', 'text', (c) => c.notNull().defaultTo('enabled')).execute();
  await db.schema.alterTable('accounts').addColumn('kind', 'text', (c) => c.notNull().defaultTo('user')).execute();
  await db.schema.alterTable('accounts').addColumn('roleId', 'text').execute();
  await db.schema.createIndex('accountsDomain').on('accounts').columns(['domainId']).execute();
  await db.schema.alterTable('users').addColumn('state', 'text', (c) => c.notNull().defaultTo('enabled')).execute();

  await db.schema.createTable('projectMembers')
    .addColumn('projectAccountId', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('accountId', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('projectMembersPk', ['projectAccountId', 'accountId'])
    .execute();
  await db.schema.createIndex('projectMembersAccount').on('projectMembers').columns(['accountId', 'role']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('projectMembers').execute();
  await db.schema.alterTable('users').dropColumn('state').execute();
  await db.schema.dropIndex('accountsDomain').execute();
  for (const c of ['roleId', 'kind', 'state', 'domainId']) await db.schema.alterTable('accounts').dropColumn(c).execute();
  await db.schema.dropTable('roles').execute();
  await db.schema.dropTable('domains').execute();
}
