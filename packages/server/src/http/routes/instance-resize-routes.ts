import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { toInstance } from '../mappers.ts';
import { principalOf } from '../auth-hook.ts';
import { InstanceResizeService } from '../../services/instance-resize-service.ts';

/** POST /instances/{id}/resize: another offering for a stopped instance (InstanceResizeService does the work). */
export function registerInstanceResizeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const resizer = new InstanceResizeService(ctx.repos, ctx.events, ctx.notifier, ctx.clock);
  app.post('/api/v1/instances/:id/resize', {
    schema: {
      tags: ['instances'], summary: 'Resize a stopped instance: another offering (vCPUs, memory), checked against quota and host capacity',
      params: api.IdParams, body: api.InstanceResize, response: { 200: api.Instance, ...errorResponses },
    },
  }, async (req) => {
    const row = await resizer.resize(principalOf(req).scope, (req.params as { id: string }).id, (req.body as api.InstanceResize).offeringId);
    const [groups, addresses] = await Promise.all([ctx.repos.instances.affinityGroupIds(row.id), ctx.repos.nics.addressesOf([row.id])]);
    return toInstance(row, groups, addresses.get(row.id) ?? []);
  });
}
