import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Scope } from './scope.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- applies to any table with an owner column */

/** The project accounts `accountId` is a member of; for writes, only where its role may change things. */
export function memberProjects(eb: ExpressionBuilder<any, any>, accountId: string, forWrite: boolean) {
  const q = eb.selectFrom('projectMembers').select('projectMembers.projectAccountId').where('projectMembers.accountId', '=', accountId);
  return forWrite ? q.where('projectMembers.role', '!=', 'read-only') : q;
}

/** The accounts of the domain subtree at `domainPath` (a prefix test on the path: no recursion, no list). */
export function subtreeAccounts(eb: ExpressionBuilder<any, any>, domainPath: string) {
  return eb.selectFrom('accounts as subtreeAccount').innerJoin('domains as subtreeDomain', 'subtreeDomain.id', 'subtreeAccount.domainId')
    .select('subtreeAccount.id')
    .where(sql`substr(${sql.ref('subtreeDomain.path')}, 1, ${domainPath.length})`, '=', domainPath);
}

/**
 * The one tenancy filter: rows whose owner `column` (an account id) the scope may read, or with
 * `forWrite`, change. Root admins are not filtered (callers skip it for them).
 */
export function ownerFilter(eb: ExpressionBuilder<any, any>, column: string, scope: Scope, forWrite: boolean): Expression<SqlBool> {
  const ors: Expression<SqlBool>[] = [eb(column, '=', scope.accountId), eb(column, 'in', memberProjects(eb, scope.accountId, forWrite))];
  if (scope.domainPath !== undefined) ors.push(eb(column, 'in', subtreeAccounts(eb, scope.domainPath)));
  return eb.or(ors);
}

/** `q` narrowed to what the scope may read (or change): unchanged for root admins. */
export function whereOwned<Q extends { where: (...a: any[]) => any }>(q: Q, column: string, scope: Scope, forWrite = false): Q {
  if (scope.admin) return q;
  return q.where((eb: ExpressionBuilder<any, any>) => ownerFilter(eb, column, scope, forWrite)) as Q;
}
