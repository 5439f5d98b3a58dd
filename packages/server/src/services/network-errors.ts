import { ApiError } from '@kumo/api';
import { NetcfgError, checkTrafficMatch, parseCidr, type TrafficMatch } from '@kumo/netcfg';
import { isUniqueViolation, withSavepoint, type Database } from '@kumo/db';
import type { Kysely } from 'kysely';

/**
 * A NetcfgError as the API's error: malformed, out-of-range or reserved input is a 400, a taken
 * value or an overlap a 409 conflict, an exhausted pool a 409 no_capacity. `field` says which
 * request field it is about (netcfg's own field names are for its inputs, not the request's).
 */
export function toApiError(e: NetcfgError, field: string): ApiError {
  const details = { field, reason: e.code };
  switch (e.code) {
    case 'in_use': case 'overlap': case 'conflict': return new ApiError('conflict', e.message, details);
    case 'exhausted': return new ApiError('no_capacity', e.message, details);
    default: return new ApiError('bad_request', e.message, details);
  }
}

/** Run a pure netcfg check or allocation; its NetcfgError becomes an ApiError about `field`. */
export function netcfg<T>(field: string, fn: () => T): T {
  try { return fn(); } catch (e) {
    if (e instanceof NetcfgError) throw toApiError(e, field);
    throw e;
  }
}

/**
 * Allocate-and-insert with optimistic concurrency: `attempt` reads what is taken, picks a free
 * value and inserts it; a unique-constraint violation means a concurrent transaction took the same
 * value first, so the attempt's writes are undone (savepoint) and it runs again with fresh reads.
 */
export async function retryOnConflict<R>(trx: Kysely<Database>, what: string, attempt: () => Promise<R>, attempts = 20): Promise<R> {
  for (let i = 0; ; i++) {
    try {
      return await withSavepoint(trx, attempt);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      if (i + 1 >= attempts) throw new ApiError('conflict', `${what}: concurrent allocations kept colliding; retry the request`);
    }
  }
}

/** Take a row lock on one row (no-op update) so that concurrent writers of the same object queue up. */
export async function lockRow(trx: Kysely<Database>, table: 'accounts' | 'zones' | 'publicIps', id: string): Promise<void> {
  await trx.updateTable(table).set({ id }).where('id', '=', id).execute();
}

export interface TrafficInput {
  protocol: 'tcp' | 'udp' | 'icmp' | 'all';
  ports?: { from: number; to: number } | undefined;
  icmpType?: number | undefined;
  icmpCode?: number | undefined;
}

/** The L4 part of a firewall, egress or security-group rule, checked by netcfg; as stored (nullable columns). */
export function checkTraffic(t: TrafficInput): { protocol: TrafficInput['protocol']; portStart: number | null; portEnd: number | null; icmpType: number | null; icmpCode: number | null } {
  const m: TrafficMatch = {
    protocol: t.protocol,
    ...(t.ports !== undefined ? { ports: t.ports } : {}),
    ...(t.icmpType !== undefined ? { icmpType: t.icmpType } : {}),
    ...(t.icmpCode !== undefined ? { icmpCode: t.icmpCode } : {}),
  };
  try { checkTrafficMatch(m, 'rule'); } catch (e) {
    if (e instanceof NetcfgError) throw toApiError(e, e.field.replace(/^rule\.?/, '') || 'protocol');
    throw e;
  }
  return { protocol: t.protocol, portStart: t.ports?.from ?? null, portEnd: t.ports?.to ?? null, icmpType: t.icmpType ?? null, icmpCode: t.icmpCode ?? null };
}

/** Parse a list of CIDRs (no host bits), naming the bad element. */
export function checkCidrs(cidrs: readonly string[], field: string): string[] {
  return cidrs.map((c, i) => { netcfg(`${field}[${i}]`, () => parseCidr(c, { field: `${field}[${i}]` })); return c; });
}
