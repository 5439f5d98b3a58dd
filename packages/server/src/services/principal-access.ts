import { ApiError } from '@kumo/api';
import type { AccountRow, AccountTenancy, BuiltinRole, UserRole } from '@kumo/db';
import { builtinAccess, type Access } from './tenancy-policy.ts';

const parseList = (json: string | null): string[] => {
  if (!json) return [];
  try { const v: unknown = JSON.parse(json); return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []; } catch { return []; }
};

const userRoleBase: Record<UserRole, BuiltinRole> = { admin: 'root-admin', user: 'user', 'read-only': 'read-only' };

/**
 * A caller's access: the user's own role where set (directory users, read-only users), else the
 * account's role row, else the account's old admin/user column.
 */
export function accessOf(t: AccountTenancy, accountRole: AccountRow['role'], userRole: UserRole | null): Access {
  if (userRole !== null) return builtinAccess(userRoleBase[userRole], t.domainPath);
  if (t.roleBase !== null && t.roleName !== null) return { base: t.roleBase, roleName: t.roleName, allow: parseList(t.roleAllow), deny: parseList(t.roleDeny), domainPath: t.domainPath };
  return builtinAccess(accountRole === 'admin' ? 'root-admin' : 'user', t.domainPath);
}

/** The API's old role names ('admin' is the root admin). */
export type PrincipalRole = UserRole | 'domain-admin';
export const legacyRoleOf = (base: BuiltinRole): PrincipalRole => (base === 'root-admin' ? 'admin' : base);

/** Throws unauthenticated naming why, when the account, its domain or the user is disabled. */
export function assertEnabled(t: AccountTenancy, username: string | null): void {
  if (t.accountState === 'deleted') throw new ApiError('unauthenticated', `account ${t.accountName} was deleted`, { reason: 'account_deleted' });
  if (t.accountState === 'disabled') throw new ApiError('unauthenticated', `account ${t.accountName} is disabled`, { reason: 'account_disabled' });
  if (t.domainState === 'disabled') throw new ApiError('unauthenticated', `the domain of account ${t.accountName} is disabled`, { reason: 'domain_disabled' });
  if (t.userState === 'disabled') throw new ApiError('unauthenticated', `user ${username ?? ''} is disabled`, { reason: 'user_disabled' });
  if (t.accountKind === 'project') throw new ApiError('unauthenticated', `account ${t.accountName} is a project: its members act for it`, { reason: 'project_account' });
}
