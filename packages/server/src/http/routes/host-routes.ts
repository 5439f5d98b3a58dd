import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as api from '@kumo/api';
import type { OperationRow } from '@kumo/db';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { toHost, toOperation } from '../mappers.ts';
import { requireAdmin } from '../auth-hook.ts';
import { HostEvacuationService } from '../../services/host-evacuation-service.ts';

/** Host administration (admin only): maintenance and enable answer 202 with an operation, like instance actions. */
export function registerHostRoutes(app: FastifyInstance, ctx: ServerContext): void {
  async function answer(req: FastifyRequest, reply: FastifyReply, op: OperationRow) {
    const q = req.query as { wait?: boolean; waitTimeoutSec?: number };
    const final = q.wait ? await ctx.ops.waitFor(requireAdmin(req).scope, op.id, (q.waitTimeoutSec ?? 600) * 1000) : op;
    void reply.header('location', `/api/v1/operations/${op.id}`);
    return reply.status(q.wait && ['succeeded', 'failed', 'cancelled'].includes(final.status) ? 200 : 202).send(toOperation(final));
  }

  const opSchema = (summary: string) => ({
    tags: ['infrastructure'], summary, params: api.IdParams, querystring: api.WaitQuery,
    response: { 200: api.Operation, 202: api.Operation, ...errorResponses },
  });

  app.post('/api/v1/hosts/:id/maintenance', {
    schema: {
      ...opSchema('Put a host into maintenance: nothing new is placed there; its guests are evacuated (live migration, a few at a time); those that cannot move are listed (GET /hosts/{id}/evacuation) until stopped (stopRemaining) or the maintenance is cancelled (enable). Asking again while preparing updates the options (202 + operation host.maintenance)'),
      body: api.HostMaintenanceRequest,
    },
    // The body is optional (older clients send none): validate an absent one as {}.
    preValidation: async (req) => { if (req.body === undefined || req.body === null) req.body = {}; },
  }, async (req, reply) => {
    const p = requireAdmin(req);
    return answer(req, reply, await ctx.hosts.requestMaintenance(p, (req.params as { id: string }).id, (req.body ?? {}) as api.HostMaintenanceRequest));
  });

  const evacuation = new HostEvacuationService(ctx.repos, ctx.hosts);
  app.get('/api/v1/hosts/:id/evacuation', {
    schema: { tags: ['infrastructure'], summary: 'The host\'s latest evacuation, per instance: pending, migrating (with progress), moved, stopped, blocked or failed (with the reason)', params: api.IdParams, response: { 200: api.HostEvacuation, ...errorResponses } },
  }, async (req) => {
    const p = requireAdmin(req);
    return evacuation.view(p.scope, (req.params as { id: string }).id);
  });

  app.post('/api/v1/hosts/:id/enable', {
    schema: opSchema('Return a host to service from maintenance (or disabled) (202 + operation host.enable)'),
  }, async (req, reply) => {
    const p = requireAdmin(req);
    return answer(req, reply, await ctx.hosts.requestEnable(p, (req.params as { id: string }).id));
  });

  app.post('/api/v1/hosts/:id/actions', {
    schema: { tags: ['infrastructure'], summary: 'Enable, disable or put a host in maintenance; answers the host (prefer /maintenance and /enable, which answer an operation)', params: api.IdParams, body: api.HostAction, response: { 200: api.Host, ...errorResponses } },
  }, async (req) => {
    const p = requireAdmin(req);
    const { id } = req.params as { id: string };
    const { action } = req.body as { action: 'enable' | 'disable' | 'maintenance' };
    if (action === 'disable') await ctx.hosts.disable(p, id);
    else if (action === 'enable') await ctx.hosts.requestEnable(p, id);
    else await ctx.hosts.requestMaintenance(p, id);
    return toHost(await ctx.hosts.get(p.scope, id), await ctx.hosts.instanceCount(id));
  });
}
