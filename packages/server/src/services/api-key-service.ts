import type { Clock } from '@kumo/core';
import { ApiError, type AccountCreate, type ApiKeyCreate } from '@kumo/api';
import type { AccountRow, ApiKeyRow, Page, PageRequest, Repos, Scope } from '@kumo/db';
import type { AuthService, Principal } from './auth-service.ts';

/** Which keys a listing shows: the caller's account's, or (admins) another account's or everyone's. */
export type ApiKeyListTarget = { kind: 'own' } | { kind: 'account'; accountId: string } | { kind: 'all' };

/** API keys (a caller's own; admins list and revoke anyone's) and accounts (admins). */
export class ApiKeyService {
  constructor(private readonly repos: Repos, private readonly auth: AuthService, private readonly clock: Clock) {}

  /** A caller's own keys are their account's, admins included (admins reach others' explicitly). */
  private own(scope: Scope): Scope { return { accountId: scope.accountId, admin: false }; }

  async list(p: Principal, page: PageRequest, target: ApiKeyListTarget = { kind: 'own' }): Promise<Page<ApiKeyRow & { id: string }>> {
    if (target.kind !== 'own' && p.role !== 'admin') throw new ApiError('forbidden', 'only admins list other accounts\' API keys', { field: target.kind === 'all' ? 'all' : 'accountId' });
    if (target.kind === 'all') return this.repos.apiKeys.list(p.scope, page, { kind: 'key' });
    const accountId = target.kind === 'account' ? target.accountId : p.scope.accountId;
    return this.repos.apiKeys.list(this.own({ accountId, admin: false }), page, { kind: 'key' });
  }

  /**
   * A new key; `token` (the secret) is shown once. It belongs to the calling user (its role is
   * theirs, never more) and expires after ttlSeconds, or the server's default lifetime.
   */
  async create(p: Principal, b: ApiKeyCreate): Promise<{ row: ApiKeyRow; token: string }> {
    const ttl = b.ttlSeconds ?? this.auth.options.apiKeyDefaultTtlSeconds;
    const expiresAt = ttl ? new Date(this.clock.now() + ttl * 1000).toISOString() : null;
    const access = p.readOnly ? 'read-only' : b.access ?? 'full';
    const { token, keyId } = await this.auth.issueKey(p.scope.accountId, p.userId, b.name, 'key', expiresAt, access);
    const row = await this.repos.apiKeys.get(this.own(p.scope), keyId);
    if (!row) throw new Error(`API key ${keyId} vanished after its creation`);
    return { row, token };
  }

  /** Your account's keys; an admin may revoke any account's key (and session). */
  async revoke(p: Principal, id: string): Promise<void> {
    const scope = p.role === 'admin' ? p.scope : this.own(p.scope);
    if (!(await this.auth.revoke(scope, id))) throw new ApiError('not_found', `API key ${id} not found`);
  }

  async createAccount(b: AccountCreate): Promise<AccountRow> {
    const id = await this.auth.createAccount({ name: b.name, role: b.role ?? 'user', username: b.username, password: b.password });
    const row = await this.repos.accounts.get({ accountId: id, admin: true }, id);
    if (!row) throw new Error(`account ${id} vanished after its creation`);
    return row;
  }
}
