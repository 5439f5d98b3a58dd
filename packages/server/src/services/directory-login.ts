import { newId, type Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { isUniqueViolation, systemScope, type IdentityProviderRow, type LoginUser, type Repos, type UserRole } from '@kumo/db';
import { DirectoryUnavailableError, LdapDirectory, type DirectoryUser } from '@kumo/ldap-auth';
import { ownAccountName, placeDirectoryUser, type DirectoryPlacement } from './group-role-mapping.ts';
import { directoryConfigOf, groupMappingsOf } from './identity-provider-config.ts';

/** Marks a user whose password lives in a directory: never a valid scrypt hash, so it never verifies locally. */
export const directoryPasswordMarker = '!directory';

/** Who logged in through a directory. */
export interface DirectoryPrincipal { userId: string; accountId: string; role: UserRole }

/**
 * Logins against identity providers (LDAP): check the password with the directory, map the user's
 * groups to a role (group-role-mapping.ts), and keep a local user row in step (created at the
 * first login, role updated at every login). The directory decides at every login; nothing about
 * the password is stored here.
 */
export class DirectoryLogins {
  constructor(private readonly repos: Repos, private readonly clock: Clock) {}

  /** The directory of a provider row (tests swap this to count or fail calls). */
  directoryOf(idp: IdentityProviderRow): LdapDirectory { return new LdapDirectory(directoryConfigOf(idp)); }

  private unavailable(idp: IdentityProviderRow, e: DirectoryUnavailableError): ApiError {
    return new ApiError('identity_provider_unavailable', `the directory ${idp.name} (${idp.url}) cannot be reached; local accounts can still log in`, { identityProvider: idp.name, cause: e.message });
  }

  private async check(idp: IdentityProviderRow, username: string, password: string) {
    try {
      return await this.directoryOf(idp).login(username, password);
    } catch (e) {
      if (e instanceof DirectoryUnavailableError) throw this.unavailable(idp, e);
      throw e;
    }
  }

  /** A user already linked to a provider: the directory must still know them, accept the password, and map them. */
  async loginKnown(user: LoginUser, username: string, password: string): Promise<DirectoryPrincipal | null> {
    const idp = user.identityProviderId ? await this.repos.identityProviders.get(systemScope, user.identityProviderId) : undefined;
    if (!idp || !idp.enabled) return null;
    const r = await this.check(idp, username, password);
    if (r.kind !== 'ok') return null;
    const placement = placeDirectoryUser(groupMappingsOf(idp), r.user.groups);
    if (!placement) return null;
    if (placement.role !== user.userRole) await this.repos.users.update(systemScope, user.id, { role: placement.role, externalDn: r.user.dn });
    return { userId: user.id, accountId: user.accountId, role: placement.role };
  }

  /**
   * A username Kumo does not know: ask each enabled provider of the whole cloud, in name order.
   * `undefined` when no directory has the user (the caller then spends a dummy hash), null when one
   * has them but refuses the password or maps them to no role.
   */
  async loginNew(username: string, password: string): Promise<DirectoryPrincipal | null | undefined> {
    const providers = (await this.repos.identityProviders.list(systemScope, { limit: 100, sort: 'name' }, { enabled: 1 })).items
      .filter((p) => p.domainId === null);
    for (const idp of providers) {
      const r = await this.check(idp, username, password);
      if (r.kind === 'no-such-user') continue;
      if (r.kind === 'wrong-password') return null;
      const placement = placeDirectoryUser(groupMappingsOf(idp), r.user.groups);
      if (!placement) return null;
      return this.provision(idp, username, r.user, placement);
    }
    return undefined;
  }

  /**
   * First login of a directory user: their account (named by the mapping, or their own) and a local
   * user row. Concurrent first logins (of this user, or of two users into one new account) race on
   * the unique names: the loser re-reads what the winner created and goes on with it.
   */
  private async provision(idp: IdentityProviderRow, username: string, dirUser: DirectoryUser, placement: DirectoryPlacement): Promise<DirectoryPrincipal> {
    const accountName = placement.account.kind === 'named' ? placement.account.name : ownAccountName(idp.name, username);
    const now = new Date(this.clock.now()).toISOString();
    for (let attempt = 0; ; attempt++) {
      const userId = newId('user');
      const existing = (await this.repos.accounts.list(systemScope, { limit: 1 }, { name: accountName })).items[0];
      try {
        return await this.repos.db.transaction().execute(async (trx) => {
          const accountId = existing?.id ?? newId('account');
          if (!existing) await this.repos.accounts.insert({ id: accountId, name: accountName, role: 'user', createdAt: now }, trx);
          await this.repos.users.insert({
            id: userId, accountId, username, passwordHash: directoryPasswordMarker, createdAt: now,
            role: placement.role, identityProviderId: idp.id, externalDn: dirUser.dn,
          }, trx);
          return { userId, accountId, role: placement.role };
        });
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        const won = await this.repos.credentials.userForLogin(username);
        // The directory has just accepted this user's password: the row another login made is theirs.
        if (won?.identityProviderId === idp.id) return { userId: won.id, accountId: won.accountId, role: placement.role };
        if (won || attempt >= 2) throw new ApiError('conflict', `a user named ${username} exists and does not come from the directory ${idp.name}`, { field: 'username' });
      }
    }
  }
}
