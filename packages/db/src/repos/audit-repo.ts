import type { Kysely } from 'kysely';
import type { AuditRow, Database } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { paginate, type Page, type PageRequest } from '../pagination.ts';
import { whereOwned } from '../scope-filter.ts';

/** What an audit query may filter on; `from`/`to` bound createdAt ([from, to)). */
export interface AuditFilter {
  accountId?: string | undefined; username?: string | undefined; action?: string | undefined;
  resourceId?: string | undefined; status?: number | undefined; from?: string | undefined; to?: string | undefined;
}

/** The audit log: append-only; non-admins read their own account's entries only. */
export class AuditRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async append(row: AuditRow, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('auditLog').values(row).execute();
  }

  /** Entries the caller may see, newest first unless `page.sort` says otherwise. */
  async list(scope: Scope, page: PageRequest, f: AuditFilter = {}): Promise<Page<AuditRow>> {
    let q = this.db.selectFrom('auditLog').selectAll('auditLog');
    q = whereOwned(q, 'auditLog.accountId', scope);
    if (f.accountId !== undefined) q = q.where('auditLog.accountId', '=', f.accountId);
    if (f.username !== undefined) q = q.where('auditLog.username', '=', f.username);
    if (f.action !== undefined) q = q.where('auditLog.action', '=', f.action);
    if (f.resourceId !== undefined) q = q.where('auditLog.resourceId', '=', f.resourceId);
    if (f.status !== undefined) q = q.where('auditLog.status', '=', f.status);
    if (f.from !== undefined) q = q.where('auditLog.createdAt', '>=', f.from);
    if (f.to !== undefined) q = q.where('auditLog.createdAt', '<', f.to);
    return paginate(q, { ...page, sort: page.sort ?? '-id' }, ['createdAt'], 'auditLog');
  }
}
