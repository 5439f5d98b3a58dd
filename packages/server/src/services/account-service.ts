import { newId, type Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { AccountKind, AccountRow, BuiltinRole, Repos, RoleRow, Scope, TenantState } from '@kumo/db';
import type { AuthService, Principal } from './auth-service.ts';
import { callerOf } from './policy-service.ts';
import { administers } from './tenancy-policy.ts';
import { checkTenancyName, nameTaken } from './tenancy-names.ts';
import { rootDomainId } from './domain-service.ts';

/** An account as the API shows it: with its domain's path and its role's name. */
export type AccountView = AccountRow & { domainPath: string; roleName: string };

export interface AccountCreateInput {
  name: string; role?: 'admin' | 'user' | undefined; roleId?: string | undefined; domainId?: string | undefined;
  /** The account's first user (both or neither). */
  username?: string | undefined; password?: string | undefined;
}
export interface AccountPatch { name?: string | undefined; roleId?: string | null | undefined; state?: TenantState | undefined }

/** The role an account has: its role row's name, else the old column's. */
const roleNameOf = (a: AccountRow, roles: Map<string, RoleRow>): string => (a.roleId ? roles.get(a.roleId)?.name ?? a.roleId : a.role === 'admin' ? 'root-admin' : 'user');

/**
 * Accounts (people's accounts and projects' accounts) in the domain tree: root admins manage every
 * one, domain admins those of their subtree. Disabling one ends its logins and keys at once (its
 * running instances keep running: see docs/tenancy.md). Deleting one is refused while it owns
 * resources, unless the caller asks for a cascade (the route deletes them through the usual operations).
 */
export class AccountService {
  constructor(private readonly repos: Repos, private readonly clock: Clock, private readonly auth: AuthService) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  private async roles(): Promise<Map<string, RoleRow>> {
    return new Map((await this.repos.roles.list({ accountId: 'acct-system', admin: true }, { limit: 1000 })).items.map((r) => [r.id, r]));
  }

  /** An account the caller may see (its own, its projects', its subtree's), else 404. */
  async get(p: Principal, id: string): Promise<AccountView> {
    const owner = await this.repos.tenancy.ownerView(id, p.scope.accountId);
    const a = owner ? await this.repos.accounts.get({ accountId: 'acct-system', admin: true }, id) : undefined;
    if (!owner || !a || a.state === 'deleted') throw new ApiError('not_found', `account ${id} not found`);
    const seen = p.scope.admin || id === p.scope.accountId || owner.memberRole !== null || (p.scope.domainPath !== undefined && owner.domainPath.startsWith(p.scope.domainPath));
    if (!seen) throw new ApiError('not_found', `account ${id} not found`);
    return { ...a, domainPath: owner.domainPath, roleName: roleNameOf(a, await this.roles()) };
  }

  /** An account the caller administers, else 404 (unseen) or 403 (seen, not theirs to manage). */
  async managed(p: Principal, id: string): Promise<AccountView> {
    const a = await this.get(p, id);
    if (!administers(callerOf(p), a.domainPath)) throw new ApiError('forbidden', `managing account ${a.name} needs an admin of its domain`, { field: 'id' });
    return a;
  }

  /** Accounts the caller administers (root: all; domain admins: their subtree); users see their own. */
  async list(p: Principal, f: { kind?: AccountKind | undefined; domainId?: string | undefined; name?: string | undefined } = {}): Promise<AccountView[]> {
    const path = p.scope.admin ? null : p.scope.domainPath ?? null;
    const filters = { ...(f.kind ? { kind: f.kind } : {}), ...(f.domainId ? { domainId: f.domainId } : {}), ...(f.name ? { name: f.name } : {}) };
    const rows = p.scope.admin || path !== null
      ? await this.repos.tenancy.accountsUnder(path, filters)
      : [await this.get(p, p.scope.accountId)].filter((a) => (!f.name || a.name === f.name) && (!f.kind || a.kind === f.kind));
    const roles = await this.roles();
    return rows.map((a) => ({ ...a, roleName: roleNameOf(a, roles) }));
  }

  /** Which role row a create or update asks for; domain admins cannot hand out more than they have. */
  private async checkRole(p: Principal, roleId: string): Promise<RoleRow> {
    const role = await this.repos.roles.get({ accountId: 'acct-system', admin: true }, roleId)
      ?? (await this.repos.roles.list({ accountId: 'acct-system', admin: true }, { limit: 1 }, { name: roleId })).items[0];
    if (!role) throw new ApiError('bad_request', `role ${roleId} not found`, { field: 'roleId' });
    if (!p.scope.admin && role.base === 'root-admin') throw new ApiError('forbidden', 'only root admins give the root-admin role', { field: 'roleId' });
    return role;
  }

  async create(p: Principal, b: AccountCreateInput, kind: AccountKind = 'user'): Promise<AccountView> {
    const name = checkTenancyName('name', b.name);
    const domainId = b.domainId ?? (p.scope.admin ? rootDomainId : (await this.repos.tenancy.domainByPath(p.access.domainPath))?.id ?? rootDomainId);
    const domain = await this.repos.tenancy.domain(domainId);
    if (!domain) throw new ApiError('not_found', `domain ${domainId} not found`, { field: 'domainId' });
    // Anyone (not read-only) may start a project in their own domain; everything else needs the domain's admins.
    const selfServiceProject = kind === 'project' && !p.readOnly && domain.path === p.access.domainPath;
    if (!selfServiceProject && !administers(callerOf(p), domain.path)) throw new ApiError(p.access.base === 'domain-admin' ? 'not_found' : 'forbidden', `creating accounts in domain ${domain.path} needs an admin of it`, { field: 'domainId' });
    if (b.role === 'admin' && !p.scope.admin) throw new ApiError('forbidden', 'only root admins create admin accounts', { field: 'role' });
    const role = b.roleId ? await this.checkRole(p, b.roleId) : undefined;
    if ((b.username === undefined) !== (b.password === undefined)) throw new ApiError('bad_request', 'give both username and password for the account\'s first user, or neither', { field: b.username === undefined ? 'username' : 'password' });
    if (kind === 'project' && b.username !== undefined) throw new ApiError('bad_request', 'a project has members, not users', { field: 'username' });
    const legacy: AccountRow['role'] = b.role ?? (role?.base === 'root-admin' ? 'admin' : 'user');
    const id = newId('account');
    const passwordHash = b.password !== undefined ? await this.auth.hasher.hash(b.password) : null;
    try {
      await this.repos.db.transaction().execute(async (trx) => {
        await this.repos.accounts.insert({ id, name, role: legacy, createdAt: this.iso(), domainId: domain.id, state: 'enabled', kind, roleId: role?.id ?? null }, trx);
        if (b.username !== undefined && passwordHash !== null) {
          await this.repos.users.insert({ id: newId('user'), accountId: id, username: b.username, passwordHash, createdAt: this.iso(), role: null, identityProviderId: null, externalDn: null, state: 'enabled' }, trx);
        }
      });
    } catch (e) {
      nameTaken(e, `an account or user named ${name}/${b.username ?? ''}`);
    }
    return this.get({ ...p, scope: { accountId: id, admin: true } }, id);
  }

  async update(p: Principal, id: string, b: AccountPatch): Promise<AccountView> {
    const a = await this.managed(p, id);
    if (id === p.scope.accountId && b.state === 'disabled') throw new ApiError('bad_request', 'you cannot disable your own account', { field: 'state' });
    const patch: Partial<AccountRow> = {};
    if (b.name !== undefined) patch.name = checkTenancyName('name', b.name);
    if (b.roleId !== undefined) {
      const role = b.roleId === null ? null : await this.checkRole(p, b.roleId);
      patch.roleId = role?.id ?? null;
      if (role) patch.role = role.base === 'root-admin' ? 'admin' : 'user';
    }
    if (b.state !== undefined) patch.state = b.state;
    if (Object.keys(patch).length > 0) {
      await this.repos.accounts.update({ accountId: p.scope.accountId, admin: true }, a.id, patch).catch((e: unknown) => nameTaken(e, `an account named ${b.name ?? ''}`));
      this.auth.forgetVerified();
    }
    return this.get(p, id);
  }

  /** What the account still owns (resource kind → count), empty when nothing. */
  owned(accountId: string): Promise<Record<string, number>> { return this.repos.tenancy.ownedCounts(accountId); }

  /**
   * Delete an account that owns nothing: its users, keys, quotas and memberships go with it; the
   * row stays as a tombstone (state 'deleted', its name freed) because the history of what it did
   * (operations, events, usage, deleted instances) still points at it. 409 (in_use) naming what it
   * still owns otherwise.
   */
  async delete(p: Principal, id: string): Promise<void> {
    const a = await this.managed(p, id);
    if (id === p.scope.accountId) throw new ApiError('bad_request', 'you cannot delete your own account', { field: 'id' });
    await this.remove(a);
  }

  /** The delete itself, once the caller's right to it is checked (projects: ProjectService.delete). */
  async remove(a: Pick<AccountRow, 'id' | 'name'>): Promise<void> {
    const owned = await this.owned(a.id);
    if (Object.keys(owned).length > 0) {
      const list = Object.entries(owned).map(([k, n]) => `${n} ${k}`).join(', ');
      throw new ApiError('in_use', `account ${a.name} still owns ${list}: delete them first, or delete with cascade`, { owned });
    }
    await this.repos.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('apiKeys').where('accountId', '=', a.id).execute();
      await trx.deleteFrom('ec2Credentials').where('accountId', '=', a.id).execute();
      await trx.deleteFrom('users').where('accountId', '=', a.id).execute();
      await this.repos.tenancy.removeMemberships(a.id, trx);
      await trx.deleteFrom('quotas').where('ownerKind', '=', 'account').where('ownerId', '=', a.id).execute();
      await trx.updateTable('accounts').set({ state: 'deleted', name: `${a.name}~deleted-${a.id.slice(-8)}` }).where('id', '=', a.id).execute();
    });
    this.auth.forgetVerified();
  }

  /** The scope that acts as the account's owner (for a cascade through the usual operations). */
  ownerScope(accountId: string): Scope { return { accountId, admin: false }; }

  /** The built-in role an account effectively has (for listings). */
  static baseOf(a: AccountView, roles: Map<string, RoleRow>): BuiltinRole {
    return a.roleId ? roles.get(a.roleId)?.base ?? 'user' : a.role === 'admin' ? 'root-admin' : 'user';
  }
}
