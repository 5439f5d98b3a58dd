import { ApiError } from '@kumo/api';
import type { BuiltinRole, ProjectRole } from '@kumo/db';

/**
 * The one place that decides who may do what to whose resources (issue [tenancy]). Repositories
 * filter rows by the same rules (`ownerFilter` in @kumo/db): a row the policy would answer 404 for
 * is a row the repository does not return.
 *
 * - root-admin: everything.
 * - domain-admin: every account whose domain lies in the admin's domain subtree.
 * - user: its own account, and the project accounts it is a member of (read-only members read).
 * - read-only: reads what a user of its account may read.
 * - custom roles: a base role (one of the above) narrowed by allow/deny lists of action names.
 * What one may not see answers 404; what one may see but not change answers 403.
 */

/** What a caller's role lets them do, resolved at authentication. */
export interface Access {
  /** The built-in role this one is (or is based on). */
  base: BuiltinRole;
  /** The role's name (a built-in one, or a custom role's). */
  roleName: string;
  /** Action patterns: empty allow = every action the base role allows. Deny wins. */
  allow: readonly string[];
  deny: readonly string[];
  /** The path of the caller's account's domain. */
  domainPath: string;
}

/** The owner of a resource, as seen from one caller. */
export interface OwnerView {
  accountId: string;
  /** The path of the owner account's domain. */
  domainPath: string;
  /** The caller's account's role in the owner (when the owner is a project it is a member of), else null. */
  memberRole: ProjectRole | null;
}

export interface Caller { accountId: string; access: Access; readOnly: boolean }

export type Decision = { kind: 'allow' } | { kind: 'not_found' } | { kind: 'forbidden'; reason: string };

const allow: Decision = { kind: 'allow' };

/** Whether `pattern` ('instance:create', 'volume:*', '*') covers `action`. */
export function actionMatches(pattern: string, action: string): boolean {
  if (pattern === '*' || pattern === action) return true;
  return pattern.endsWith(':*') && action.startsWith(pattern.slice(0, -1));
}

/** Whether the role's own lists let it do `action` at all (whatever the resource). */
export function roleAllows(access: Access, action: string): boolean {
  if (access.deny.some((p) => actionMatches(p, action))) return false;
  return access.allow.length === 0 || access.allow.some((p) => actionMatches(p, action));
}

/** Whether `path` lies in the subtree at `root` (both '/ROOT/…/'). */
export const inSubtree = (path: string, root: string): boolean => path.startsWith(root);

/** May the caller see resources of this owner at all? */
export function canSee(c: Caller, owner: OwnerView): boolean {
  if (c.access.base === 'root-admin') return true;
  if (owner.accountId === c.accountId || owner.memberRole !== null) return true;
  return c.access.base === 'domain-admin' && inSubtree(owner.domainPath, c.access.domainPath);
}

/**
 * authorize(caller, action, owner): allow, 404 (not_found: the caller may not know it exists) or 403
 * (forbidden: seen, but not theirs to change). `owner` null: a resource of nobody's (a create in the
 * caller's own account, a listing) — only the role's lists and read-only-ness apply.
 */
export function authorize(c: Caller, action: string, owner: OwnerView | null, write: boolean): Decision {
  if (owner !== null && !canSee(c, owner)) return { kind: 'not_found' };
  if (!roleAllows(c.access, action)) return { kind: 'forbidden', reason: `the role ${c.access.roleName} does not allow ${action}` };
  if (!write) return allow;
  if (c.readOnly) return { kind: 'forbidden', reason: c.access.base === 'read-only' ? 'the read-only role only reads' : 'this API key is read-only' };
  if (owner === null || c.access.base === 'root-admin' || owner.accountId === c.accountId) return allow;
  if (c.access.base === 'domain-admin' && inSubtree(owner.domainPath, c.access.domainPath)) return allow;
  if (owner.memberRole === 'read-only') return { kind: 'forbidden', reason: `a read-only member of project ${owner.accountId} may not ${action}` };
  return allow;
}

/** authorize, as an ApiError to throw (or nothing). `what` names the resource: 'instance inst-1'. */
export function enforce(c: Caller, action: string, owner: OwnerView | null, write: boolean, what: string): void {
  const d = authorize(c, action, owner, write);
  if (d.kind === 'not_found') throw new ApiError('not_found', `${what} not found`);
  if (d.kind === 'forbidden') throw new ApiError('forbidden', `${d.reason} (${what})`, { action });
}

/** The built-in roles' access, for accounts without a role row (the old admin/user column). */
export function builtinAccess(base: BuiltinRole, domainPath: string): Access {
  return { base, roleName: base, allow: [], deny: [], domainPath };
}

/** May the caller administer accounts, users and domains at `domainPath`? (root admins anywhere, domain admins in their subtree) */
export function administers(c: Caller, domainPath: string): boolean {
  if (c.readOnly) return false;
  if (c.access.base === 'root-admin') return true;
  return c.access.base === 'domain-admin' && inSubtree(domainPath, c.access.domainPath);
}
