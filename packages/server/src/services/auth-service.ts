import { newId, type Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { systemScope, type ApiKeyRow, type LoginUser, type Repos, type Scope, type UserRole } from '@kumo/db';
import { hashSecret, newSecret, secretsEqual, splitCredential } from './secrets.ts';
import { PasswordHasher } from './password-hasher.ts';
import { defaultLoginRateLimits, LoginRateLimiter, type LoginRateLimits } from './login-rate-limiter.ts';
import { DirectoryLogins, directoryPasswordMarker, type DirectoryPrincipal } from './directory-login.ts';
import { IdentityProviderService } from './identity-provider-service.ts';
import type { Access } from './tenancy-policy.ts';
import { accessOf, assertEnabled, legacyRoleOf, type PrincipalRole } from './principal-access.ts';

/**
 * Who is calling. role 'agent' is a host using its host token (only routes marked agentAllowed).
 * `readOnly`: the role is read-only or the key was issued read-only; the auth hook then refuses every write.
 */
export interface Principal {
  scope: Scope; username: string; role: PrincipalRole | 'agent'; keyId: string;
  userId: string | null; readOnly: boolean;
  /** What the role allows (tenancy-policy.ts); hosts: a root admin's. */
  access: Access;
}

export interface AuthOptions {
  loginRateLimits: LoginRateLimits;
  /** Lifetime of an API key created without ttlSeconds; null: such keys never expire. */
  apiKeyDefaultTtlSeconds: number | null;
  /** How many password hashes may run at once (default: cores - 1, at least 1). */
  passwordHashConcurrency?: number;
}

export const defaultAuthOptions: AuthOptions = { loginRateLimits: defaultLoginRateLimits, apiKeyDefaultTtlSeconds: 90 * 86400 };

const sessionTtlMs = 12 * 3600_000;
const hostAccess: Access = { base: 'root-admin', roleName: 'host', allow: [], deny: [], domainPath: '/ROOT/' };

/** A user's role: their own if set (directory users, read-only users), else their account's. */
const effectiveRole = (accountRole: 'admin' | 'user', userRole: UserRole | null): UserRole => userRole ?? accountRole;
const principalOf = (accountId: string, username: string, access: Access, keyId: string, userId: string | null, keyAccess: ApiKeyRow['access']): Principal => ({
  scope: { accountId, admin: access.base === 'root-admin', ...(access.base === 'domain-admin' ? { domainPath: access.domainPath } : {}) },
  username, role: legacyRoleOf(access.base), keyId, userId, readOnly: access.base === 'read-only' || keyAccess === 'read-only', access,
});

/** Accounts, users, passwords, API keys and session tokens. */
export class AuthService {
  /**
   * Verified tokens, for a few seconds: most requests come in bursts from the same client, and
   * verifying is a database round trip. Revocation in this process evicts at once; another server
   * process sees it within cacheTtlMs.
   */
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private static readonly cacheTtlMs = 5_000;
  private static readonly cacheMax = 10_000;
  /**
   * When each key's lastUsedAt was last written (or read): it is written at most once per
   * lastUsedResolutionMs per key, so a busy key costs one small write a minute, not one per request.
   */
  private readonly lastUsedWrites = new Map<string, number>();
  static readonly lastUsedResolutionMs = 60_000;

  readonly options: AuthOptions;
  readonly hasher: PasswordHasher;
  readonly limiter: LoginRateLimiter;
  readonly directories: DirectoryLogins;
  /** Admin management of the directories behind `directories`. */
  readonly identityProviders: IdentityProviderService;

  constructor(private readonly repos: Repos, private readonly clock: Clock, options: Partial<AuthOptions> = {}) {
    this.options = { ...defaultAuthOptions, ...options };
    this.hasher = new PasswordHasher(this.options.passwordHashConcurrency);
    this.limiter = new LoginRateLimiter(clock, this.options.loginRateLimits);
    this.directories = new DirectoryLogins(repos, clock);
    this.identityProviders = new IdentityProviderService(repos, clock, this.directories);
  }

  private iso(ms = this.clock.now()): string { return new Date(ms).toISOString(); }

  /** Create the first admin account if the database has none. Returns its password once. */
  async bootstrapAdmin(password?: string): Promise<{ username: string; password: string } | null> {
    if (await this.repos.credentials.anyAccount()) return null;
    const pw = password ?? newSecret(12);
    await this.createAccount({ name: 'admin', role: 'admin', username: 'admin', password: pw });
    return { username: 'admin', password: pw };
  }

  async createAccount(a: { name: string; role: 'admin' | 'user'; username: string; password: string }): Promise<string> {
    const accountId = newId('account');
    const passwordHash = await this.hasher.hash(a.password);
    try {
      await this.repos.db.transaction().execute(async (trx) => {
        await this.repos.accounts.insert({ id: accountId, name: a.name, role: a.role, createdAt: this.iso() }, trx);
        await this.repos.users.insert({
          id: newId('user'), accountId, username: a.username, passwordHash, createdAt: this.iso(), role: null, identityProviderId: null, externalDn: null,
        }, trx);
      });
    } catch (e) {
      if (/unique|duplicate/i.test(String(e))) throw new ApiError('conflict', `an account or user named ${a.name}/${a.username} exists`, { field: 'name' });
      throw e;
    }
    return accountId;
  }

  /**
   * Username + password → a session token (expires). `address` is the client's, for the per-address
   * limit. Order: rate limits (429 before any hashing), then a local user's hash, a directory user's
   * directory, or, for an unknown name, the directories of the whole cloud and else a dummy hash
   * (as slow as a real one: the answer's timing does not tell whether the name exists).
   */
  async login(username: string, password: string, address = 'local'): Promise<{ token: string; expiresAt: string; principal: Principal }> {
    this.limiter.admit(username, address);
    const who = await this.checkPassword(username, password);
    if (!who) throw new ApiError('unauthenticated', 'wrong username or password');
    this.limiter.succeeded(username);
    // Disabled accounts, users and domains cannot log in (told only to those who know the password).
    const state = await this.repos.credentials.userForLogin(username);
    if (state) assertEnabled(state, username);
    const expiresAt = this.iso(this.clock.now() + sessionTtlMs);
    const { token } = await this.issueKey(who.accountId, who.userId, 'session', 'session', expiresAt);
    return { token, expiresAt, principal: await this.verify(token) };
  }

  private async checkPassword(username: string, password: string): Promise<DirectoryPrincipal | null> {
    const user = await this.repos.credentials.userForLogin(username);
    if (user?.identityProviderId) return this.directories.loginKnown(user, username, password);
    if (user) return (await this.hasher.verify(password, user.passwordHash)) ? this.localPrincipal(user) : null;
    const viaDirectory = await this.directories.loginNew(username, password);
    if (viaDirectory !== undefined) return viaDirectory;
    await this.hasher.verifyDummy(password);
    return null;
  }

  /** Whether a local user's password is still `password` (no rate limit: for the operator's own tools). */
  async passwordMatches(username: string, password: string): Promise<boolean> {
    const user = await this.repos.credentials.userForLogin(username);
    return user !== undefined && user.identityProviderId === null && this.hasher.verify(password, user.passwordHash);
  }

  private localPrincipal(user: LoginUser): DirectoryPrincipal {
    return { userId: user.id, accountId: user.accountId, role: effectiveRole(user.role, user.userRole) };
  }

  /**
   * Change a password. Your own needs the old one; an admin may reset anyone's without it. Other
   * sessions of that user end (the caller's own session, `keepKeyId`, stays). Directory users
   * change theirs in the directory.
   */
  async changePassword(caller: Principal, b: { username?: string | undefined; oldPassword?: string | undefined; newPassword: string }): Promise<void> {
    const username = b.username ?? caller.username;
    const self = caller.userId !== null && username === caller.username;
    if (!self && caller.role !== 'admin' && caller.role !== 'domain-admin') throw new ApiError('forbidden', 'only admins may change another user\'s password', { field: 'username' });
    const user = await this.repos.credentials.userForLogin(username);
    // Domain admins reset the passwords of their subtree's users only; others do not exist for them.
    const outside = !self && caller.role === 'domain-admin' && !(user && caller.scope.domainPath !== undefined && user.domainPath.startsWith(caller.scope.domainPath));
    if (!user || outside) throw new ApiError('not_found', `user ${username} not found`, { field: 'username' });
    if (user.identityProviderId || user.passwordHash === directoryPasswordMarker) {
      throw new ApiError('bad_request', `${username} logs in through a directory: change the password there`, { field: 'username' });
    }
    if (self) {
      if (!b.oldPassword) throw new ApiError('bad_request', 'oldPassword is required to change your own password', { field: 'oldPassword' });
      this.limiter.admit(username, `passwd:${caller.keyId}`);
      if (!(await this.hasher.verify(b.oldPassword, user.passwordHash))) throw new ApiError('forbidden', 'oldPassword is wrong', { field: 'oldPassword' });
      this.limiter.succeeded(username);
    }
    const passwordHash = await this.hasher.hash(b.newPassword);
    await this.repos.users.update(systemScope, user.id, { passwordHash });
    const sessions = await this.repos.apiKeys.list(systemScope, { limit: 1000 }, { userId: user.id, kind: 'session' });
    for (const k of sessions.items) if (k.id !== caller.keyId) await this.revoke(systemScope, k.id);
  }

  async issueKey(accountId: string, userId: string | null, name: string, kind: 'key' | 'session', expiresAt: string | null, access: ApiKeyRow['access'] = 'full'): Promise<{ token: string; keyId: string }> {
    const keyId = newId('apiKey');
    const secret = newSecret();
    await this.repos.apiKeys.insert({ id: keyId, accountId, userId, name, kind, secretHash: hashSecret(secret), expiresAt, lastUsedAt: null, createdAt: this.iso(), access });
    return { token: `${keyId}.${secret}`, keyId };
  }

  /** Bearer token → principal, or throws unauthenticated. */
  async authenticate(token: string): Promise<Principal> {
    const now = this.clock.now();
    const hit = this.cache.get(token);
    if (hit && hit.until > now) {
      await this.noteUse(hit.principal, now);
      return hit.principal;
    }
    const principal = await this.verify(token);
    if (this.cache.size >= AuthService.cacheMax) this.cache.clear();
    this.cache.set(token, { principal, until: now + AuthService.cacheTtlMs });
    await this.noteUse(principal, now);
    return principal;
  }

  /** Record that an API key or session was used: lastUsedAt, at most once a minute per key. */
  private async noteUse(p: Principal, now: number): Promise<void> {
    if (p.role === 'agent') return;
    const last = this.lastUsedWrites.get(p.keyId);
    if (last !== undefined && now - last < AuthService.lastUsedResolutionMs) return;
    if (this.lastUsedWrites.size >= AuthService.cacheMax) this.lastUsedWrites.clear();
    this.lastUsedWrites.set(p.keyId, now);
    await this.repos.apiKeys.update({ accountId: p.scope.accountId, admin: false }, p.keyId, { lastUsedAt: this.iso(now) });
  }

  private async verify(token: string): Promise<Principal> {
    const cred = splitCredential(token);
    if (!cred) throw new ApiError('unauthenticated', 'malformed credentials');
    if (cred.id.startsWith('host-')) {
      const host = await this.repos.credentials.host(cred.id);
      if (!host || !secretsEqual(host.tokenHash, hashSecret(cred.secret))) throw new ApiError('unauthenticated', 'invalid host credentials');
      return { scope: { accountId: 'acct-system', admin: true }, username: host.name, role: 'agent', keyId: host.id, userId: null, readOnly: false, access: hostAccess };
    }
    const row = await this.repos.credentials.key(cred.id);
    if (!row || !secretsEqual(row.secretHash, hashSecret(cred.secret))) throw new ApiError('unauthenticated', 'invalid credentials');
    if (row.expiresAt && row.expiresAt < this.iso()) throw new ApiError('unauthenticated', 'credentials expired; log in again');
    assertEnabled(row, row.username);
    // Another server process may have written it lately: start counting from what is stored.
    if (row.lastUsedAt !== null && !this.lastUsedWrites.has(row.id)) this.lastUsedWrites.set(row.id, Date.parse(row.lastUsedAt));
    return principalOf(row.accountId, row.username ?? row.accountName, accessOf(row, row.role, row.userRole), row.id, row.userId, row.access);
  }

  /** Forget every verified token (an account, user, domain or role changed: the next request re-reads). */
  forgetVerified(): void { this.cache.clear(); }

  async revoke(scope: Scope, keyId: string): Promise<boolean> {
    for (const [t, c] of this.cache) if (c.principal.keyId === keyId) this.cache.delete(t);
    this.lastUsedWrites.delete(keyId);
    return this.repos.apiKeys.delete(scope, keyId);
  }
}
