import type { Kysely } from 'kysely';
import type { AccountRow, ApiKeyRow, Database, UserRole } from '../schema.ts';

export interface LoginUser {
  id: string; accountId: string; passwordHash: string; role: AccountRow['role'];
  /** The user's own role (overrides the account's), null: the account's. */
  userRole: UserRole | null; identityProviderId: string | null;
}
export interface KeyCredential {
  id: string; accountId: string; secretHash: string; expiresAt: string | null; lastUsedAt: string | null;
  role: AccountRow['role']; accountName: string; username: string | null;
  userId: string | null; userRole: UserRole | null; access: ApiKeyRow['access'];
}

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
      .select(['users.id', 'users.accountId', 'users.passwordHash', 'accounts.role', 'users.role as userRole', 'users.identityProviderId'])
      .where('users.username', '=', username).executeTakeFirst();
  }

  async key(id: string): Promise<KeyCredential | undefined> {
    return this.db.selectFrom('apiKeys').innerJoin('accounts', 'accounts.id', 'apiKeys.accountId')
      .leftJoin('users', 'users.id', 'apiKeys.userId')
      .select(['apiKeys.id', 'apiKeys.accountId', 'apiKeys.secretHash', 'apiKeys.expiresAt', 'apiKeys.lastUsedAt', 'accounts.role', 'accounts.name as accountName',
        'users.username', 'apiKeys.userId', 'users.role as userRole', 'apiKeys.access'])
      .where('apiKeys.id', '=', id).executeTakeFirst();
  }

  async host(id: string): Promise<{ id: string; name: string; tokenHash: string } | undefined> {
    return this.db.selectFrom('hosts').select(['id', 'name', 'tokenHash']).where('id', '=', id).executeTakeFirst();
  }
}
