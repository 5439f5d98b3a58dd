import { ApiError } from '@kumo/api';
import type { OwnedTable, Repos } from '@kumo/db';
import type { Principal } from './auth-service.ts';
import { authorize, enforce, type Caller, type OwnerView } from './tenancy-policy.ts';

/** The policy's view of a principal. */
export const callerOf = (p: Principal): Caller => ({ accountId: p.scope.accountId, access: p.access, readOnly: p.readOnly });

/**
 * The tenancy policy (tenancy-policy.ts) with the owners it decides about read from the database:
 * what routes and services call before they act on someone's resources.
 */
export class PolicyService {
  constructor(private readonly repos: Repos) {}

  /** Account `accountId` as the caller sees it (its domain, the caller's project role in it). */
  async ownerView(p: Principal, accountId: string): Promise<OwnerView | null> {
    const r = await this.repos.tenancy.ownerView(accountId, p.scope.accountId);
    return r ? { accountId: r.accountId, domainPath: r.domainPath, memberRole: r.memberRole } : null;
  }

  /** Throws 404 or 403 unless the caller may do `action` to resources of account `accountId`. */
  async checkOwner(p: Principal, action: string, accountId: string, write: boolean, what: string): Promise<void> {
    const owner = await this.ownerView(p, accountId);
    if (!owner) throw new ApiError('not_found', `${what} not found`);
    enforce(callerOf(p), action, owner, write, what);
  }

  /**
   * Throws 403 when the caller sees row `id` of `table` through its owner but may not do `action`
   * to it. A row it does not see by owner passes on: the route's scoped repository answers 404 for
   * it, or lets it see a row everyone sees (a shared network, a public image) and answers as it
   * always has.
   */
  async checkRow(p: Principal, action: string, table: OwnedTable, id: string, write: boolean, what: string): Promise<void> {
    const accountId = await this.repos.tenancy.ownerOf(table, id);
    if (accountId === undefined) return;
    const owner = await this.ownerView(p, accountId);
    if (owner && authorize(callerOf(p), action, owner, write).kind !== 'not_found') enforce(callerOf(p), action, owner, write, what);
  }

  /**
   * The caller acting for project `projectId` (CloudStack's projectid): what it creates belongs to the
   * project account and counts against the project's quota; lists show the project's resources.
   * 404 for a project the caller may not see, 403 for one it only reads, when it writes.
   */
  async actingFor(p: Principal, projectId: string, write: boolean): Promise<Principal> {
    const owner = await this.repos.tenancy.ownerView(projectId, p.scope.accountId);
    if (!owner || owner.kind !== 'project') throw new ApiError('not_found', `project ${projectId} not found`, { field: 'projectId' });
    const view = { accountId: owner.accountId, domainPath: owner.domainPath, memberRole: owner.memberRole };
    enforce(callerOf(p), 'project:use', view, write, `project ${projectId}`);
    const readOnly = p.readOnly || (owner.memberRole === 'read-only' && p.access.base !== 'root-admin' && p.access.base !== 'domain-admin');
    return { ...p, scope: { accountId: owner.accountId, admin: false }, readOnly };
  }
}
