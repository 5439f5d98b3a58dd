import type { Clock } from '@kumo/core';
import { ApiError, type AccountCreate, type ApiKeyCreate } from '@kumo/api';
import type { AccountRow, ApiKeyRow, Page, PageRequest, Repos, Scope } from '@kumo/db';
import type { AuthService } from './auth-service.ts';

/** A caller's own API keys (never another account's, admins included), and accounts (admins). */
export class ApiKeyService {
  constructor(private readonly repos: Repos, private readonly auth: AuthService, private readonly clock: Clock) {}

  /** Keys are personal: even an admin lists only the keys of their own account. */
  private own(scope: Scope): Scope { return { accountId: scope.accountId, admin: false }; }

  async list(scope: Scope, page: PageRequest): Promise<Page<ApiKeyRow & { id: string }>> {
    return this.repos.apiKeys.list(this.own(scope), page, { kind: 'key' });
  }

  /** A new key; `token` (the secret) is shown once. */
  async create(scope: Scope, b: ApiKeyCreate): Promise<{ row: ApiKeyRow; token: string }> {
    const expiresAt = b.ttlSeconds ? new Date(this.clock.now() + b.ttlSeconds * 1000).toISOString() : null;
    const { token, keyId } = await this.auth.issueKey(scope.accountId, null, b.name, 'key', expiresAt);
    const row = await this.repos.apiKeys.get(this.own(scope), keyId);
    if (!row) throw new Error(`API key ${keyId} vanished after its creation`);
    return { row, token };
  }

  async revoke(scope: Scope, id: string): Promise<void> {
    if (!(await this.auth.revoke(this.own(scope), id))) throw new ApiError('not_found', `API key ${id} not found`);
  }

  async createAccount(b: AccountCreate): Promise<AccountRow> {
    const id = await this.auth.createAccount({ name: b.name, role: b.role ?? 'user', username: b.username, password: b.password });
    const row = await this.repos.accounts.get({ accountId: id, admin: true }, id);
    if (!row) throw new Error(`account ${id} vanished after its creation`);
    return row;
  }
}
