import { newId, type Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { Repos, Scope } from '@kumo/db';
import { hashPassword, hashSecret, newSecret, secretsEqual, splitCredential, verifyPassword } from './secrets.ts';

/** Who is calling. role 'agent' is a host using its host token (only routes marked agentAllowed). */
export interface Principal { scope: Scope; username: string; role: 'admin' | 'user' | 'agent'; keyId: string }

const sessionTtlMs = 12 * 3600_000;

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

  constructor(private readonly repos: Repos, private readonly clock: Clock) {}

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
    try {
      await this.repos.db.transaction().execute(async (trx) => {
        await this.repos.accounts.insert({ id: accountId, name: a.name, role: a.role, createdAt: this.iso() }, trx);
        await this.repos.users.insert({ id: newId('user'), accountId, username: a.username, passwordHash: hashPassword(a.password), createdAt: this.iso() }, trx);
      });
    } catch (e) {
      if (/unique|duplicate/i.test(String(e))) throw new ApiError('conflict', `an account or user named ${a.name}/${a.username} exists`, { field: 'name' });
      throw e;
    }
    return accountId;
  }

  /** Username + password → a session token (expires). */
  async login(username: string, password: string): Promise<{ token: string; expiresAt: string; principal: Principal }> {
    const user = await this.repos.credentials.userForLogin(username);
    if (!user || !verifyPassword(password, user.passwordHash)) throw new ApiError('unauthenticated', 'wrong username or password');
    const expiresAt = this.iso(this.clock.now() + sessionTtlMs);
    const { token, keyId } = await this.issueKey(user.accountId, user.id, 'session', 'session', expiresAt);
    return { token, expiresAt, principal: { scope: { accountId: user.accountId, admin: user.role === 'admin' }, username, role: user.role, keyId } };
  }

  async issueKey(accountId: string, userId: string | null, name: string, kind: 'key' | 'session', expiresAt: string | null): Promise<{ token: string; keyId: string }> {
    const keyId = newId('apiKey');
    const secret = newSecret();
    await this.repos.apiKeys.insert({ id: keyId, accountId, userId, name, kind, secretHash: hashSecret(secret), expiresAt, lastUsedAt: null, createdAt: this.iso() });
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
      return { scope: { accountId: 'acct-system', admin: true }, username: host.name, role: 'agent', keyId: host.id };
    }
    const row = await this.repos.credentials.key(cred.id);
    if (!row || !secretsEqual(row.secretHash, hashSecret(cred.secret))) throw new ApiError('unauthenticated', 'invalid credentials');
    if (row.expiresAt && row.expiresAt < this.iso()) throw new ApiError('unauthenticated', 'credentials expired; log in again');
    // Another server process may have written it lately: start counting from what is stored.
    if (row.lastUsedAt !== null && !this.lastUsedWrites.has(row.id)) this.lastUsedWrites.set(row.id, Date.parse(row.lastUsedAt));
    return { scope: { accountId: row.accountId, admin: row.role === 'admin' }, username: row.username ?? row.accountName, role: row.role, keyId: row.id };
  }

  async revoke(scope: Scope, keyId: string): Promise<boolean> {
    for (const [t, c] of this.cache) if (c.principal.keyId === keyId) this.cache.delete(t);
    this.lastUsedWrites.delete(keyId);
    return this.repos.apiKeys.delete(scope, keyId);
  }
}
