import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { ownerFilter, whereOwned } from '../scope-filter.ts';
import { paginate, type Page, type PageRequest } from '../pagination.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- one generic repository over many tables; table and column names come from the typed options */

export interface CrudOptions<T extends keyof Database> {
  table: T;
  /** Tables with an accountId column are tenant-scoped: non-admins see only their own rows. */
  tenantScoped: boolean;
  /** Public rows (images marked public) are visible to everyone in addition to their own. */
  publicColumn?: keyof Database[T] & string;
  sortable: readonly (keyof Database[T] & string)[];
  filterable: readonly (keyof Database[T] & string)[];
  /** Rows with this column = value are tombstones: lists skip them unless that column is filtered on. */
  tombstone?: { column: keyof Database[T] & string; value: string };
}

/** Get, list, insert, update and delete for one table, always through the caller's scope. */
export class CrudRepo<T extends keyof Database> {
  constructor(protected readonly db: Kysely<Database>, readonly opts: CrudOptions<T>) {}

  /** `columns` narrows the select (default: every column). */
  protected scoped(db: Kysely<Database>, scope: Scope, forWrite = false, columns?: readonly string[]) {
    const t = this.opts.table as string;
    const from = (db as Kysely<any>).selectFrom(t);
    let q = columns ? from.select(columns.map((c) => `${t}.${c}`)) : from.selectAll(t);
    if (this.opts.tenantScoped && !scope.admin) {
      const pub = this.opts.publicColumn;
      q = pub && !forWrite
        ? q.where((eb: any) => eb.or([ownerFilter(eb, `${t}.accountId`, scope, false), eb(`${t}.${pub}`, '=', 1)]))
        : whereOwned(q, `${t}.accountId`, scope, forWrite);
    }
    return q;
  }

  async get(scope: Scope, id: string, db: Kysely<Database> = this.db): Promise<Database[T] | undefined> {
    return (await this.scoped(db, scope).where(`${this.opts.table as string}.id`, '=', id).executeTakeFirst()) as Database[T] | undefined;
  }

  /** Like get, but only rows the caller may change (not someone else's public image). */
  async getForWrite(scope: Scope, id: string, db: Kysely<Database> = this.db): Promise<Database[T] | undefined> {
    return (await this.scoped(db, scope, true).where(`${this.opts.table as string}.id`, '=', id).executeTakeFirst()) as Database[T] | undefined;
  }

  async list(scope: Scope, page: PageRequest, filters: Partial<Record<string, unknown>> = {}): Promise<Page<Database[T] & { id: string }>> {
    return this.listColumns(scope, page, filters) as Promise<Page<Database[T] & { id: string }>>;
  }

  /** list() reading only `columns` (which must include id and the sort fields); every column without. */
  protected async listColumns(scope: Scope, page: PageRequest, filters: Partial<Record<string, unknown>>, columns?: readonly string[]): Promise<Page<{ id: string }>> {
    let q: any = this.scoped(this.db, scope, false, columns);
    const t = this.opts.table as string;
    for (const f of this.opts.filterable) {
      const v = filters[f];
      if (v !== undefined) q = q.where(`${t}.${f}`, '=', v);
    }
    // `namePrefix`: names that start with it, case-sensitive on both dialects (SQLite's LIKE is not).
    const prefix = filters.namePrefix;
    if (typeof prefix === 'string' && prefix !== '' && this.opts.filterable.includes('name' as never)) {
      q = q.where(sql`substr(${sql.ref(`${t}.name`)}, 1, ${prefix.length})`, '=', prefix);
    }
    const tomb = this.opts.tombstone;
    if (tomb && filters[tomb.column] === undefined) q = q.where(`${t}.${tomb.column}`, '!=', tomb.value);
    return paginate(q, page, this.opts.sortable, t) as Promise<Page<{ id: string }>>;
  }

  async insert(row: Database[T], db: Kysely<Database> = this.db): Promise<void> {
    await (db as Kysely<any>).insertInto(this.opts.table as string).values(row).execute();
  }

  async update(scope: Scope, id: string, patch: Partial<Database[T]>, db: Kysely<Database> = this.db): Promise<boolean> {
    let q = (db as Kysely<any>).updateTable(this.opts.table as string).set(patch).where('id', '=', id);
    if (this.opts.tenantScoped) q = whereOwned(q, 'accountId', scope, true);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async delete(scope: Scope, id: string, db: Kysely<Database> = this.db): Promise<boolean> {
    let q = (db as Kysely<any>).deleteFrom(this.opts.table as string).where('id', '=', id);
    if (this.opts.tenantScoped) q = whereOwned(q, 'accountId', scope, true);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** How many rows of `table` point at this one through `column` (for "in use" checks). */
  async countReferences(table: keyof Database, column: string, id: string, db: Kysely<Database> = this.db): Promise<number> {
    const r: { n?: number | string } | undefined = await (db as Kysely<any>).selectFrom(table as string)
      .select((eb: any) => eb.fn.countAll().as('n')).where(column, '=', id).executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
