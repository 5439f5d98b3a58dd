import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { MigrationPolicyRow } from '@kumo/db';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { requireAdmin } from '../auth-hook.ts';

export function toMigrationPolicy(r: MigrationPolicyRow): api.MigrationPolicy {
  return {
    zoneId: r.zoneId, downtimeLimitMs: r.downtimeLimitMs, maxBandwidthMiBPerSec: r.maxBandwidthMiBPerSec, autoConverge: r.autoConverge === 1,
    postcopyAfterPasses: r.postcopyAfterPasses, timeoutMs: r.timeoutMs, retryNextHost: r.retryNextHost === 1, maxPerHost: r.maxPerHost, updatedAt: r.updatedAt || null,
  };
}

/** A zone's live-migration policy (admins): downtime limit, bandwidth, auto-converge, post-copy, timeout, retries, per-host concurrency. */
export function registerMigrationPolicyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/v1/zones/:id/migration-policy', {
    schema: { tags: ['infrastructure'], summary: 'The zone\'s live-migration policy (defaults until changed)', params: api.IdParams, response: { 200: api.MigrationPolicy, ...errorResponses } },
  }, async (req) => {
    const p = requireAdmin(req);
    return toMigrationPolicy(await ctx.migrations.zonePolicy(p.scope, (req.params as { id: string }).id));
  });

  app.patch('/api/v1/zones/:id/migration-policy', {
    schema: { tags: ['infrastructure'], summary: 'Change the zone\'s live-migration policy (migrations that start afterwards use it)', params: api.IdParams, body: api.MigrationPolicyUpdate, response: { 200: api.MigrationPolicy, ...errorResponses } },
  }, async (req) => {
    const p = requireAdmin(req);
    const b = req.body as api.MigrationPolicyUpdate;
    const patch: Partial<Omit<MigrationPolicyRow, 'zoneId' | 'updatedAt'>> = {
      ...(b.downtimeLimitMs !== undefined ? { downtimeLimitMs: b.downtimeLimitMs } : {}),
      ...(b.maxBandwidthMiBPerSec !== undefined ? { maxBandwidthMiBPerSec: b.maxBandwidthMiBPerSec } : {}),
      ...(b.autoConverge !== undefined ? { autoConverge: b.autoConverge ? 1 : 0 } : {}),
      ...(b.postcopyAfterPasses !== undefined ? { postcopyAfterPasses: b.postcopyAfterPasses } : {}),
      ...(b.timeoutMs !== undefined ? { timeoutMs: b.timeoutMs } : {}),
      ...(b.retryNextHost !== undefined ? { retryNextHost: b.retryNextHost ? 1 : 0 } : {}),
      ...(b.maxPerHost !== undefined ? { maxPerHost: b.maxPerHost } : {}),
    };
    return toMigrationPolicy(await ctx.migrations.setZonePolicy(p.scope, (req.params as { id: string }).id, patch));
  });
}
