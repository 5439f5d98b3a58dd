import { newId, type Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { systemScope, type Repos, type TenantState, type UserRole, type UserRow } from '@kumo/db';
import type { AuthService, Principal } from './auth-service.ts';
import type { AccountService } from './account-service.ts';
import { nameTaken } from './tenancy-names.ts';

/** A user as the API shows it (never the password hash). */
export type UserView = Omit<UserRow, 'passwordHash'> & { accountName: string };

const viewOf = (u: UserRow, accountName: string): UserView => {
  const { passwordHash: _hidden, ...rest } = u;
  return { ...rest, accountName };
};

/**
 * Users of accounts: the account's admins (root, or the domain admins above it) create, disable,
 * enable and delete them and reset their passwords (AuthService.changePassword); users see
 * themselves and the other users of their account.
 */
export class UserService {
  constructor(private readonly repos: Repos, private readonly clock: Clock, private readonly auth: AuthService, private readonly accounts: AccountService) {}

  async list(p: Principal, accountId?: string): Promise<UserView[]> {
    const targets = accountId ? [await this.accounts.get(p, accountId)] : await this.accounts.list(p);
    const out: UserView[] = [];
    for (const a of targets) {
      const rows = await this.repos.users.list(systemScope, { limit: 1000, sort: 'username' }, { accountId: a.id });
      out.push(...rows.items.map((u) => viewOf(u, a.name)));
    }
    return out;
  }

  /** A user the caller may see (by id or username), else 404. */
  async get(p: Principal, ref: string): Promise<UserView> {
    const u = (await this.repos.users.get(systemScope, ref)) ?? (await this.repos.users.list(systemScope, { limit: 1 }, { username: ref })).items[0];
    if (!u) throw new ApiError('not_found', `user ${ref} not found`);
    const a = await this.accounts.get(p, u.accountId).catch(() => { throw new ApiError('not_found', `user ${ref} not found`); });
    return viewOf(u, a.name);
  }

  private async managed(p: Principal, ref: string): Promise<UserView> {
    const u = await this.get(p, ref);
    await this.accounts.managed(p, u.accountId);
    return u;
  }

  async create(p: Principal, b: { accountId: string; username: string; password: string; role?: UserRole | undefined }): Promise<UserView> {
    const a = await this.accounts.managed(p, b.accountId);
    if (a.kind === 'project') throw new ApiError('bad_request', `account ${a.name} is a project: add members, not users`, { field: 'accountId' });
    if (b.role === 'admin' && !p.scope.admin) throw new ApiError('forbidden', 'only root admins create admin users', { field: 'role' });
    const row: UserRow = {
      id: newId('user'), accountId: a.id, username: b.username, passwordHash: await this.auth.hasher.hash(b.password), createdAt: new Date(this.clock.now()).toISOString(),
      role: b.role ?? null, identityProviderId: null, externalDn: null, state: 'enabled',
    };
    await this.repos.users.insert(row).catch((e: unknown) => nameTaken(e, `a user named ${b.username}`, 'username'));
    return viewOf(row, a.name);
  }

  async update(p: Principal, ref: string, b: { role?: UserRole | null | undefined; state?: TenantState | undefined }): Promise<UserView> {
    const u = await this.managed(p, ref);
    if (u.id === p.userId && b.state === 'disabled') throw new ApiError('bad_request', 'you cannot disable yourself', { field: 'state' });
    if (b.role === 'admin' && !p.scope.admin) throw new ApiError('forbidden', 'only root admins make admin users', { field: 'role' });
    const patch: Partial<UserRow> = {};
    if (b.role !== undefined) patch.role = b.role;
    if (b.state !== undefined) patch.state = b.state;
    if (Object.keys(patch).length > 0) {
      await this.repos.users.update(systemScope, u.id, patch);
      this.auth.forgetVerified();
    }
    return this.get(p, u.id);
  }

  /** Delete a user; its API keys and sessions go with it (what it created belongs to its account and stays). */
  async delete(p: Principal, ref: string): Promise<void> {
    const u = await this.managed(p, ref);
    if (u.id === p.userId) throw new ApiError('bad_request', 'you cannot delete yourself', { field: 'id' });
    await this.repos.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('apiKeys').where('userId', '=', u.id).execute();
      await trx.deleteFrom('ec2Credentials').where('userId', '=', u.id).execute();
      await trx.deleteFrom('users').where('id', '=', u.id).execute();
    });
    this.auth.forgetVerified();
  }
}
