import type * as api from '@kumo/api';
import type { DomainRow, RoleRow } from '@kumo/db';
import type { AccountView } from '../services/account-service.ts';
import type { ProjectView } from '../services/project-service.ts';
import type { UserView } from '../services/user-service.ts';

const list = (json: string): string[] => { try { const v: unknown = JSON.parse(json); return Array.isArray(v) ? v.map(String) : []; } catch { return []; } };

export const toAccountView = (a: AccountView): api.Account => ({
  id: a.id, name: a.name, role: a.role, createdAt: a.createdAt, domainId: a.domainId ?? 'domain-root', domainPath: a.domainPath,
  state: a.state ?? 'enabled', kind: a.kind ?? 'user', roleId: a.roleId ?? null, roleName: a.roleName,
});
export const toDomain = (d: DomainRow): api.Domain => ({ id: d.id, name: d.name, parentId: d.parentId, path: d.path, state: d.state, createdAt: d.createdAt });
export const toUser = (u: UserView): api.User => ({
  id: u.id, accountId: u.accountId, accountName: u.accountName, username: u.username, role: u.role, state: u.state ?? 'enabled', identityProviderId: u.identityProviderId, createdAt: u.createdAt,
});
export const toProject = (p: ProjectView): api.Project => ({
  id: p.id, name: p.name, domainId: p.domainId ?? 'domain-root', domainPath: p.domainPath, state: p.state ?? 'enabled', createdAt: p.createdAt,
  members: p.members.map((m) => ({ accountId: m.accountId, accountName: m.accountName, role: m.role, createdAt: m.createdAt })),
});
export const toRole = (r: RoleRow): api.Role => ({
  id: r.id, name: r.name, base: r.base, builtin: r.builtin === 1, allow: list(r.allow), deny: list(r.deny), description: r.description, createdAt: r.createdAt,
});
