import type { Kysely } from 'kysely';
import type { AccountRow, ApiKeyRow, BuiltinRole, Database, TenantState, UserRole } from '../schema.ts';

/** What the tenancy policy needs to know of the caller's account (migration 023). */
export interface AccountTenancy {
  accountName: string; accountState: TenantState | 'deleted'; accountKind: 'user' | 'project'; domainPath: string; domainState: TenantState;
  /** The account's role row, null: derived from `role`. */
  roleName: string | null; roleBase: BuiltinRole | null; roleAllow: string | null; roleDeny: string | null;
  userState: TenantState | null;
}
export interface LoginUser extends AccountTenancy {
  id: string; accountId: string; passwordHash: string; role: AccountRow['role'];
  /** The user's own role (overrides the account's), null: the account's. */
  userRole: UserRole | null; identityProviderId: string | null;
}
export interface KeyCredential extends AccountTenancy {
  id: string; accountId: string; secretHash: string; expiresAt: string | null; lastUsedAt: string | null;
  role: AccountRow['role']; username: string | null;
  userId: string | null; userRole: UserRole | null; access: ApiKeyRow['access'];
}

const tenancyColumns = ['accounts.name as accountName', 'accounts.state as accountState', 'accounts.kind as accountKind', 'domains.path as domainPath', 'domains.state as domainState',
  'roles.name as roleName', 'roles.base as roleBase', 'roles.allow as roleAllow', 'roles.deny as roleDeny'] as const;

/**
 * What authentication reads before anyone is known: a user by name, an API key or session by id,
 * with the account it belongs to. Not scoped: the answer decides the scope.
 */
export class CredentialsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async anyAccount(): Promise<boolean> {
    return (await this.db.selectFrom('accounts').select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  async userForLogin(username: string): Promise<LoginUser | undefined> {
    return this.db.selectFrom('users').innerJoin('accounts', 'accounts.id', 'users.accountId')
      .innerJoin('domains', 'domains.id', 'accounts.domainId').leftJoin('roles', 'roles.id', 'accounts.roleId')
      .select(['users.id', 'users.accountId', 'users.passwordHash', 'accounts.role', 'users.role as userRole', 'users.identityProviderId', 'users.state as userState', ...tenancyColumns])
      .where('users.username', '=', username).executeTakeFirst() as Promise<LoginUser | undefined>;
  }

  async key(id: string): Promise<KeyCredential | undefined> {
    return this.db.selectFrom('apiKeys').innerJoin('accounts', 'accounts.id', 'apiKeys.accountId')
      .innerJoin('domains', 'domains.id', 'accounts.domainId').leftJoin('roles', 'roles.id', 'accounts.roleId')
      .leftJoin('users', 'users.id', 'apiKeys.userId')
      .select(['apiKeys.id', 'apiKeys.accountId', 'apiKeys.secretHash', 'apiKeys.expiresAt', 'apiKeys.lastUsedAt', 'accounts.role',
        'users.username', 'apiKeys.userId', 'users.role as userRole', 'apiKeys.access', 'users.state as userState', ...tenancyColumns])
      .where('apiKeys.id', '=', id).executeTakeFirst() as Promise<KeyCredential | undefined>;
  }

  async host(id: string): Promise<{ id: string; name: string; tokenHash: string } | undefined> {
    return this.db.selectFrom('hosts').select(['id', 'name', 'tokenHash']).where('id', '=', id).executeTakeFirst();
  }
}
