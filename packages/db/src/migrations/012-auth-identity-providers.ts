import type { Kysely } from 'kysely';

/*
 * Authentication hardened (issue 12):
 * 1. identityProviders: directories users log in with (LDAP today). `domainId` is null for a
 *    provider that serves the whole cloud; the tenancy model's domains will own theirs.
 * 2. users.role: a per-user role ('admin' | 'user' | 'read-only') that overrides the account's;
 *    null keeps the account's role. Directory logins set it from the user's groups.
 *    users.identityProviderId / externalDn: where a directory user comes from (null: a local user).
 * 3. apiKeys.access: 'full' or 'read-only' (a read-only key may only read).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('identityProviders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('domainId', 'text')
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('startTls', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tlsCaFile', 'text')
    .addColumn('tlsVerify', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('bindDn', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('bindPassword', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('userSearchBase', 'text', (c) => c.notNull())
    .addColumn('userFilter', 'text', (c) => c.notNull())
    .addColumn('groupSearchBase', 'text', (c) => c.notNull())
    .addColumn('groupFilter', 'text', (c) => c.notNull())
    .addColumn('groupMappings', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('timeoutMs', 'integer', (c) => c.notNull().defaultTo(5000))
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('users').addColumn('role', 'text').execute();
  // No foreign key: a provider's deletion keeps its users (and what they own); they just cannot log in.
  await db.schema.alterTable('users').addColumn('identityProviderId', 'text').execute();
  await db.schema.alterTable('users').addColumn('externalDn', 'text').execute();
  await db.schema.alterTable('apiKeys').addColumn('access', 'text', (c) => c.notNull().defaultTo('full')).execute();
  await db.schema.createIndex('usersIdentityProvider').on('users').columns(['identityProviderId']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('usersIdentityProvider').execute();
  await db.schema.alterTable('apiKeys').dropColumn('access').execute();
  await db.schema.alterTable('users').dropColumn('externalDn').execute();
  await db.schema.alterTable('users').dropColumn('identityProviderId').execute();
  await db.schema.alterTable('users').dropColumn('role').execute();
  await db.schema.dropTable('identityProviders').execute();
}
