import type { FastifyInstance } from 'fastify';

/** Fields naming infrastructure: shown to admins, null to everyone else. */
const hiddenKeys = new Set(['hostId', 'poolId', 'targetHostId', 'sourceHostId', 'hostName']);
/** Fields counting or listing infrastructure (the scheduler's per-filter host counts, rejected hosts): left out. */
const droppedKeys = new Set(['filters', 'rejected', 'hostCount', 'hostIds']);
const hostOrPoolId = /\b(?:host|pool)-[0-9a-z]{8,}\b/g;

/**
 * A placement failure as a tenant reads it: no host names, ids or counts ("no host fits: 12 hosts
 * in zone …; memory removed 12" says how big the zone is and how full).
 */
export function tenantMessage(message: string): string {
  if (message.startsWith('no host fits')) return 'no capacity: no host in the zone can take this instance now (an administrator can see why)';
  return message.replace(hostOrPoolId, (m) => (m.startsWith('host') ? 'a host' : 'a pool'));
}

/** The answer as a tenant sees it: infrastructure fields nulled or left out, messages without host ids. Returns a copy. */
export function tenantView(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return key === 'message' || key === 'errorReason' || key === 'errorMessage' ? tenantMessage(value) : value;
  if (Array.isArray(value)) return value.map((v) => tenantView(v));
  if (value === null || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (droppedKeys.has(k)) continue;
    out[k] = hiddenKeys.has(k) && v !== undefined ? null : tenantView(v, k);
  }
  return out;
}

/**
 * Tenants do not see the infrastructure they do not own: every JSON answer to a caller who is not
 * an admin (instances, volumes, operations, events, errors, …) goes through tenantView. One place,
 * so a new route cannot forget it.
 */
export function installTenantView(app: FastifyInstance): void {
  app.addHook('preSerialization', async (req, _reply, payload) => {
    const p = req.principal;
    if (!p || p.scope.admin || p.role === 'agent') return payload; // admins see all; agents and logins have nothing of a tenant's
    return tenantView(payload);
  });
}
