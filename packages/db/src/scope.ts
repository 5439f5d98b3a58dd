/**
 * Who is asking. Every repository query that touches tenant data takes one; repositories filter
 * through `ownerFilter` (scope-filter.ts):
 * - `admin` (the root admin, the system): every account's rows;
 * - `domainPath` (a domain admin): also every account whose domain's path starts with it;
 * - everyone: their own account's rows and those of the project accounts it is a member of
 *   (reads: any project role; writes: member or admin, not read-only).
 */
export interface Scope {
  accountId: string;
  admin: boolean;
  /** A domain admin's domain path ('/ROOT/reseller/'): the accounts of that subtree are theirs to see and change. */
  domainPath?: string | undefined;
}

/** The system itself (controller, agent gateway): sees everything. */
export const systemScope: Scope = { accountId: 'acct-system', admin: true };
