import { newId, type Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { sql } from 'kysely';
import type { DomainRow, Repos, TenantState } from '@kumo/db';
import type { Principal } from './auth-service.ts';
import { callerOf } from './policy-service.ts';
import { administers, inSubtree } from './tenancy-policy.ts';
import { checkTenancyName, nameTaken } from './tenancy-names.ts';

export const rootDomainId = 'domain-root';

/**
 * Domains: a tree under ROOT. Root admins manage every domain, domain admins the domains below
 * their own (not their own domain's name or state: that is their parent's admins' business).
 * Everyone else sees their own domain.
 */
export class DomainService {
  constructor(private readonly repos: Repos, private readonly clock: Clock, private readonly changed: () => void) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  /** A domain the caller may see, else 404. */
  async get(p: Principal, id: string): Promise<DomainRow> {
    const d = await this.repos.tenancy.domain(id);
    const mine = p.access.domainPath;
    if (!d || !(p.scope.admin || inSubtree(d.path, mine) || (p.access.base !== 'domain-admin' && d.path === mine))) throw new ApiError('not_found', `domain ${id} not found`);
    return d;
  }

  /** A domain the caller administers below its own (or any, for root admins), else 404/403. */
  async managed(p: Principal, id: string): Promise<DomainRow> {
    const d = await this.get(p, id);
    if (!administers(callerOf(p), d.path) || (!p.scope.admin && d.path === p.access.domainPath)) throw new ApiError('forbidden', `only the admins above domain ${d.name} change it`, { field: 'id' });
    return d;
  }

  async list(p: Principal): Promise<DomainRow[]> {
    if (p.scope.admin) return this.repos.tenancy.domainsUnder('/');
    if (p.access.base === 'domain-admin') return this.repos.tenancy.domainsUnder(p.access.domainPath);
    const own = await this.repos.tenancy.domainByPath(p.access.domainPath);
    return own ? [own] : [];
  }

  async create(p: Principal, b: { name: string; parentId?: string | undefined }): Promise<DomainRow> {
    const name = checkTenancyName('name', b.name);
    const parent = b.parentId ? await this.get(p, b.parentId) : await this.repos.tenancy.domainByPath(p.access.domainPath);
    if (!parent) throw new ApiError('not_found', `domain ${b.parentId ?? ''} not found`, { field: 'parentId' });
    if (!administers(callerOf(p), parent.path)) throw new ApiError('forbidden', `creating a domain under ${parent.path} needs an admin of that domain`, { field: 'parentId' });
    const row: DomainRow = { id: newId('domain'), name, parentId: parent.id, path: `${parent.path}${name}/`, state: 'enabled', createdAt: this.iso() };
    await this.repos.domains.insert(row).catch((e: unknown) => nameTaken(e, `a domain ${row.path}`));
    return row;
  }

  /** Rename (the paths of the whole subtree follow, in one statement) or disable/enable. */
  async update(p: Principal, id: string, b: { name?: string | undefined; state?: TenantState | undefined }): Promise<DomainRow> {
    const d = await this.managed(p, id);
    if (d.id === rootDomainId && b.name !== undefined && b.name !== d.name) throw new ApiError('bad_request', 'the ROOT domain keeps its name', { field: 'name' });
    if (d.id === rootDomainId && b.state === 'disabled') throw new ApiError('bad_request', 'the ROOT domain cannot be disabled', { field: 'state' });
    await this.repos.db.transaction().execute(async (trx) => {
      if (b.name !== undefined && b.name !== d.name) {
        const name = checkTenancyName('name', b.name);
        const newPath = `${d.path.slice(0, d.path.length - d.name.length - 1)}${name}/`;
        await trx.updateTable('domains').set({ name }).where('id', '=', d.id).execute().catch((e: unknown) => nameTaken(e, `a domain ${newPath}`));
        await trx.updateTable('domains').set({ path: sql`${newPath} || substr(path, ${d.path.length + 1})` })
          .where(sql`substr(path, 1, ${d.path.length})`, '=', d.path).execute().catch((e: unknown) => nameTaken(e, `a domain ${newPath}`));
      }
      if (b.state !== undefined) await trx.updateTable('domains').set({ state: b.state }).where('id', '=', d.id).execute();
    });
    this.changed();
    return (await this.repos.tenancy.domain(d.id)) as DomainRow;
  }

  /** Delete an empty domain; 409 naming what it still holds (sub-domains, accounts). */
  async delete(p: Principal, id: string): Promise<void> {
    const d = await this.managed(p, id);
    if (d.id === rootDomainId) throw new ApiError('bad_request', 'the ROOT domain cannot be deleted', { field: 'id' });
    const subdomains = (await this.repos.tenancy.domainsUnder(d.path)).filter((x) => x.id !== d.id);
    const accounts = await this.repos.tenancy.accountsUnder(d.path);
    if (subdomains.length > 0 || accounts.length > 0) {
      throw new ApiError('in_use', `domain ${d.path} still holds ${subdomains.length} sub-domain(s) and ${accounts.length} account(s): delete them first (kumo account delete --cascade)`,
        { domains: subdomains.map((x) => x.path), accounts: accounts.map((a) => a.name) });
    }
    await this.repos.domains.delete({ accountId: p.scope.accountId, admin: true }, d.id);
  }
}
