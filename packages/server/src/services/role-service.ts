import { newId, type Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { systemScope, type BuiltinRole, type Repos, type RoleRow } from '@kumo/db';
import type { AuthService, Principal } from './auth-service.ts';
import { checkTenancyName, nameTaken } from './tenancy-names.ts';

const bases: readonly BuiltinRole[] = ['root-admin', 'domain-admin', 'user', 'read-only'];
const actionPattern = /^(\*|[a-z][a-z0-9-]*:(\*|[a-z][a-z0-9.-]*))$/;

/** Allow/deny lists as given: action names ('instance:create'), a noun's wildcard ('volume:*') or '*'. */
function checkActions(field: 'allow' | 'deny', list: readonly string[] | undefined): string[] {
  const out = [...(list ?? [])];
  for (const a of out) if (!actionPattern.test(a)) throw new ApiError('bad_request', `${field}: ${JSON.stringify(a)} is not an action name (noun:verb, noun:* or *)`, { field });
  return out;
}

/**
 * Roles: the four built-in ones (read-only here) and custom ones, which root admins make: a base
 * role narrowed by allow/deny lists of action names. Everyone may read them (to know what they may do).
 */
export class RoleService {
  constructor(private readonly repos: Repos, private readonly clock: Clock, private readonly auth: AuthService) {}

  list(): Promise<RoleRow[]> { return this.repos.roles.list(systemScope, { limit: 1000, sort: 'name' }).then((p) => p.items); }

  async get(ref: string): Promise<RoleRow> {
    const r = (await this.repos.roles.get(systemScope, ref)) ?? (await this.repos.roles.list(systemScope, { limit: 1 }, { name: ref })).items[0];
    if (!r) throw new ApiError('not_found', `role ${ref} not found`);
    return r;
  }

  private rootOnly(p: Principal): void {
    if (!p.scope.admin || p.readOnly) throw new ApiError('forbidden', 'only root admins manage roles');
  }

  async create(p: Principal, b: { name: string; base?: BuiltinRole | undefined; allow?: string[] | undefined; deny?: string[] | undefined; description?: string | undefined }): Promise<RoleRow> {
    this.rootOnly(p);
    const base = b.base ?? 'user';
    if (!bases.includes(base)) throw new ApiError('bad_request', `base must be one of ${bases.join(', ')}`, { field: 'base' });
    const row: RoleRow = {
      id: newId('role'), name: checkTenancyName('name', b.name), base, builtin: 0, allow: JSON.stringify(checkActions('allow', b.allow)),
      deny: JSON.stringify(checkActions('deny', b.deny)), description: b.description ?? '', createdAt: new Date(this.clock.now()).toISOString(),
    };
    await this.repos.roles.insert(row).catch((e: unknown) => nameTaken(e, `a role named ${b.name}`));
    return row;
  }

  async update(p: Principal, ref: string, b: { allow?: string[] | undefined; deny?: string[] | undefined; description?: string | undefined }): Promise<RoleRow> {
    this.rootOnly(p);
    const r = await this.get(ref);
    if (r.builtin) throw new ApiError('bad_request', `${r.name} is a built-in role`, { field: 'id' });
    const patch: Partial<RoleRow> = {};
    if (b.allow !== undefined) patch.allow = JSON.stringify(checkActions('allow', b.allow));
    if (b.deny !== undefined) patch.deny = JSON.stringify(checkActions('deny', b.deny));
    if (b.description !== undefined) patch.description = b.description;
    await this.repos.roles.update(systemScope, r.id, patch);
    this.auth.forgetVerified();
    return this.get(r.id);
  }

  async delete(p: Principal, ref: string): Promise<void> {
    this.rootOnly(p);
    const r = await this.get(ref);
    if (r.builtin) throw new ApiError('bad_request', `${r.name} is a built-in role`, { field: 'id' });
    const users = await this.repos.db.selectFrom('accounts').select('name').where('roleId', '=', r.id).where('state', '!=', 'deleted').limit(20).execute();
    if (users.length > 0) throw new ApiError('in_use', `role ${r.name} is given to ${users.map((u) => u.name).join(', ')}`, { accounts: users.map((u) => u.name) });
    await this.repos.roles.delete(systemScope, r.id);
  }
}
