import type { Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { systemScope, type ProjectMemberRow, type ProjectRole, type Repos, type TenantState } from '@kumo/db';
import { checkTenancyName, nameTaken } from './tenancy-names.ts';
import type { Principal } from './auth-service.ts';
import type { AccountService, AccountView } from './account-service.ts';
import { callerOf } from './policy-service.ts';
import { administers } from './tenancy-policy.ts';

export type ProjectView = AccountView & { members: Array<ProjectMemberRow & { accountName: string }> };

/**
 * Projects (CloudStack's): an account of kind 'project' owns the project's resources; member
 * accounts' users act on them (member: read and change, admin: also manage members, read-only:
 * read). Whoever creates a project becomes its admin member. Creates with `projectId` make the
 * project the owner, so the project's quota counts them.
 */
export class ProjectService {
  constructor(private readonly repos: Repos, private readonly clock: Clock, private readonly accounts: AccountService) {}

  private async view(a: AccountView): Promise<ProjectView> { return { ...a, members: await this.repos.tenancy.members(a.id) }; }

  async get(p: Principal, id: string): Promise<ProjectView> {
    const a = await this.accounts.get(p, id).catch(() => { throw new ApiError('not_found', `project ${id} not found`); });
    if (a.kind !== 'project') throw new ApiError('not_found', `project ${id} not found`);
    return this.view(a);
  }

  /** Projects the caller is a member of, and (admins) every project they administer. */
  async list(p: Principal): Promise<ProjectView[]> {
    const administered = p.scope.admin || p.scope.domainPath !== undefined ? await this.accounts.list(p, { kind: 'project' }) : [];
    const seen = new Set(administered.map((a) => a.id));
    const memberOf = await this.repos.db.selectFrom('projectMembers').select('projectAccountId').where('accountId', '=', p.scope.accountId).execute();
    for (const m of memberOf) {
      if (seen.has(m.projectAccountId)) continue;
      seen.add(m.projectAccountId);
      administered.push(await this.accounts.get(p, m.projectAccountId));
    }
    return Promise.all(administered.filter((a) => a.state !== 'deleted').map((a) => this.view(a)));
  }

  /** A new project in the caller's domain (or `domainId`); the caller's account becomes its admin member. */
  async create(p: Principal, b: { name: string; domainId?: string | undefined }): Promise<ProjectView> {
    if (p.readOnly) throw new ApiError('forbidden', 'read-only callers cannot create projects');
    const a = await this.accounts.create(p, { name: b.name, ...(b.domainId ? { domainId: b.domainId } : {}) }, 'project');
    await this.repos.tenancy.putMember({ projectAccountId: a.id, accountId: p.scope.accountId, role: 'admin', createdAt: new Date(this.clock.now()).toISOString() });
    return this.get({ ...p, scope: { ...p.scope, admin: true } }, a.id);
  }

  /** May the caller manage the project's members (and delete it)? Its admin members, and the admins of its domain. */
  async managed(p: Principal, id: string): Promise<ProjectView> {
    const pr = await this.get(p, id);
    const role = pr.members.find((m) => m.accountId === p.scope.accountId)?.role;
    if (p.readOnly || !(role === 'admin' || administers(callerOf(p), pr.domainPath))) throw new ApiError('forbidden', `managing project ${pr.name} needs one of its admin members or an admin of its domain`);
    return pr;
  }

  /** Rename, disable or enable a project (its admin members, or its domain's admins). */
  async update(p: Principal, id: string, b: { name?: string | undefined; state?: TenantState | undefined; roleId?: string | null | undefined }): Promise<ProjectView> {
    const pr = await this.managed(p, id);
    if (b.roleId !== undefined) throw new ApiError('bad_request', 'projects have members with roles, not a role', { field: 'roleId' });
    const patch = { ...(b.name !== undefined ? { name: checkTenancyName('name', b.name) } : {}), ...(b.state !== undefined ? { state: b.state } : {}) };
    if (Object.keys(patch).length > 0) await this.repos.accounts.update(systemScope, pr.id, patch).catch((e: unknown) => nameTaken(e, `an account named ${b.name ?? ''}`));
    return this.get(p, pr.id);
  }

  /** Delete a project that owns nothing (409 naming what it owns otherwise; the route's cascade deletes that first). */
  async delete(p: Principal, id: string): Promise<void> {
    await this.accounts.remove(await this.managed(p, id));
  }

  async addMember(p: Principal, id: string, b: { accountId: string; role?: ProjectRole | undefined }): Promise<ProjectView> {
    const pr = await this.managed(p, id);
    const member = await this.repos.accounts.get({ accountId: 'acct-system', admin: true }, b.accountId)
      ?? (await this.repos.accounts.list({ accountId: 'acct-system', admin: true }, { limit: 1 }, { name: b.accountId })).items[0];
    if (!member || member.state === 'deleted') throw new ApiError('bad_request', `account ${b.accountId} not found`, { field: 'accountId' });
    if (member.kind === 'project') throw new ApiError('bad_request', `account ${member.name} is a project; members are accounts of people`, { field: 'accountId' });
    await this.repos.tenancy.putMember({ projectAccountId: pr.id, accountId: member.id, role: b.role ?? 'member', createdAt: new Date(this.clock.now()).toISOString() });
    return this.get(p, id);
  }

  async removeMember(p: Principal, id: string, accountRef: string): Promise<ProjectView> {
    const pr = await this.managed(p, id);
    const m = pr.members.find((x) => x.accountId === accountRef || x.accountName === accountRef);
    if (!m) throw new ApiError('not_found', `account ${accountRef} is not a member of project ${pr.name}`, { field: 'accountId' });
    if (m.role === 'admin' && pr.members.filter((x) => x.role === 'admin').length === 1 && !administers(callerOf(p), pr.domainPath)) {
      throw new ApiError('bad_request', `account ${m.accountName} is the last admin of project ${pr.name}`, { field: 'accountId' });
    }
    await this.repos.tenancy.removeMember(pr.id, m.accountId);
    return this.get({ ...p, scope: { ...p.scope, admin: true } }, id);
  }
}
