import type { SelectQueryBuilder } from 'kysely';
import { ApiError } from '@kumo/api';

export interface PageRequest {
  limit?: number | undefined;
  cursor?: string | undefined;
  sort?: string | undefined;
}

export interface Page<T> { items: T[]; nextCursor: string | null }

interface CursorState { v: string | number | null; id: string; s: string }

function encodeCursor(c: CursorState): string { return Buffer.from(JSON.stringify(c)).toString('base64url'); }
function decodeCursor(s: string): CursorState {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as CursorState;
    if (typeof c.id !== 'string' || typeof c.s !== 'string') throw new Error('shape');
    return c;
  } catch {
    throw new ApiError('bad_request', 'cursor is not one this server gave out', { field: 'cursor' });
  }
}

/**
 * Keyset pagination over (sortField, id): stable under inserts, O(limit) per page with an index.
 * `sortable` maps API field names to columns; `-field` sorts descending.
 */
export async function paginate<DB, TB extends keyof DB, O extends { id: string }>(
  qb: SelectQueryBuilder<DB, TB, O>,
  req: PageRequest,
  sortable: readonly string[],
  table: string,
): Promise<Page<O>> {
  const limit = Math.min(Math.max(req.limit ?? 100, 1), 1000);
  const sortSpec = req.sort ?? 'id';
  const desc = sortSpec.startsWith('-');
  const field = desc ? sortSpec.slice(1) : sortSpec;
  if (field !== 'id' && !sortable.includes(field)) {
    throw new ApiError('bad_request', `sort must be one of id, ${sortable.join(', ')} (prefix - for descending)`, { field: 'sort' });
  }
  const dir = desc ? 'desc' : 'asc';
  const cmp = desc ? '<' : '>';
  // The dynamic column names below are checked against the whitelist above.
  /* eslint-disable @typescript-eslint/no-explicit-any */
  let q = qb as unknown as SelectQueryBuilder<any, any, any>;
  const col = `${table}.${field}`;
  const idCol = `${table}.id`;
  if (req.cursor) {
    const c = decodeCursor(req.cursor);
    if (c.s !== sortSpec) throw new ApiError('bad_request', 'cursor belongs to another sort order', { field: 'cursor' });
    if (field === 'id') q = q.where(idCol, cmp, c.id);
    else q = q.where((eb: any) => eb.or([eb(col, cmp, c.v), eb.and([eb(col, '=', c.v), eb(idCol, cmp, c.id)])]));
  }
  if (field !== 'id') q = q.orderBy(col, dir);
  q = q.orderBy(idCol, dir).limit(limit + 1);
  const rows = (await q.execute()) as O[];
  /* eslint-enable @typescript-eslint/no-explicit-any */
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  const nextCursor = more && last
    ? encodeCursor({ v: field === 'id' ? null : ((last as Record<string, unknown>)[field] as string | number | null), id: last.id, s: sortSpec })
    : null;
  return { items, nextCursor };
}
