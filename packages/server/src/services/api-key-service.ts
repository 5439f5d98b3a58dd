import type { Clock } from '@kumo/core';
import { ApiError, type ApiKeyCreate } from '@kumo/api';
import type { ApiKeyRow, Page, PageRequest, Repos, Scope } from '@kumo/db';
import type { AuthService, Principal } from './auth-service.ts';

/** Root and domain admins manage others' keys (each in their scope). */
const isAdmin = (p: Principal): boolean => !p.readOnly && (p.access.base === 'root-admin' || p.access.base === 'domain-admin');

/** Which keys a listing shows: the caller's account's, or (admins) another account's or everyone's. */
export type ApiKeyListTarget = { kind: 'own' } | { kind: 'account'; accountId: string } | { kind: 'all' };

/** API keys (a caller's own; admins list and revoke anyone's in their scope: root admins every account's, domain admins their subtree's). */
export class ApiKeyService {
  constructor(private readonly repos: Repos, private readonly auth: AuthService, private readonly clock: Clock) {}

  /** A caller's own keys are their account's, admins included (admins reach others' explicitly). */
  private own(scope: Scope): Scope { return { accountId: scope.accountId, admin: false }; }

  /** Whether a domain admin's subtree holds the account. */
  private async inScope(p: Principal, accountId: string): Promise<boolean> {
    const owner = await this.repos.tenancy.ownerView(accountId, p.scope.accountId);
    return owner !== undefined && p.scope.domainPath !== undefined && owner.domainPath.startsWith(p.scope.domainPath);
  }

  async list(p: Principal, page: PageRequest, target: ApiKeyListTarget = { kind: 'own' }): Promise<Page<ApiKeyRow & { id: string }>> {
    if (target.kind !== 'own' && !isAdmin(p)) throw new ApiError('forbidden', 'only admins list other accounts\' API keys', { field: target.kind === 'all' ? 'all' : 'accountId' });
    if (target.kind === 'all') return this.repos.apiKeys.list(p.scope, page, { kind: 'key' });
    if (target.kind === 'account' && p.role !== 'admin' && !(await this.inScope(p, target.accountId))) {
      throw new ApiError('not_found', `account ${target.accountId} not found`, { field: 'accountId' });
    }
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
    const scope = isAdmin(p) ? p.scope : this.own(p.scope);
    if (!(await this.auth.revoke(scope, id))) throw new ApiError('not_found', `API key ${id} not found`);
  }
}
