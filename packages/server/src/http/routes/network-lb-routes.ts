import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import { AnyId } from '@kumo/api';
import type { LoadBalancerRow } from '@kumo/db';
import type { ServerContext } from '../../context.ts';
import { errorResponses, registerCrud } from '../crud-routes.ts';
import { principalOf } from '../auth-hook.ts';
import { toLoadBalancer } from '../network-mappers.ts';
import { deleteRoute, idOf, networkTag, type NetworkServices } from './network-route-helpers.ts';

/** Load balancers (public IP:port → private port on member NICs) and their members. */
export function registerLoadBalancerRoutes(app: FastifyInstance, ctx: ServerContext, svc: NetworkServices): void {
  const { repos } = ctx;
  const lbToApi = async (r: LoadBalancerRow) => {
    return toLoadBalancer(r, await svc.publicIps.addressOf(r.publicIpId), await svc.loadBalancers.memberNicIds(r.id));
  };
  registerCrud(app, {
    path: 'load-balancers', noun: 'load balancer', tag: networkTag, repo: repos.loadBalancers, schema: api.LoadBalancer, toApi: lbToApi,
    filters: { networkId: AnyId, publicIpId: AnyId, name: Type.String({ maxLength: 63 }) },
    create: { schema: api.LoadBalancerCreate, handler: (p, b) => svc.loadBalancers.create(p.scope, b) },
    update: { schema: api.LoadBalancerUpdate, handler: (p, row, b) => svc.loadBalancers.update(p.scope, row.id, b) },
  });
  deleteRoute(app, { url: '/api/v1/load-balancers/:id', summary: 'Delete a load balancer', handler: (req) => svc.loadBalancers.delete(principalOf(req).scope, idOf(req)) });

  app.get('/api/v1/load-balancers/:id/members', {
    schema: { tags: [networkTag], summary: 'Member NICs of a load balancer', params: api.IdParams, response: { 200: api.ListOf(api.LoadBalancerMember), ...errorResponses } },
  }, async (req) => ({ items: await svc.loadBalancers.members(principalOf(req).scope, idOf(req)), nextCursor: null }));
  app.post('/api/v1/load-balancers/:id/members', {
    schema: {
      tags: [networkTag], summary: 'Add a NIC of the load balancer\'s network as a member', params: api.IdParams, body: api.LoadBalancerMemberAdd,
      response: { 201: api.LoadBalancerMember, ...errorResponses },
    },
  }, async (req, reply) => {
    const m = await svc.loadBalancers.addMember(principalOf(req).scope, idOf(req), (req.body as { nicId: string }).nicId);
    return reply.status(201).send(m);
  });
  deleteRoute(app, {
    url: '/api/v1/load-balancers/:id/members/:nicId', summary: 'Remove a member NIC',
    params: Type.Object({ id: AnyId, nicId: AnyId }, { additionalProperties: false }),
    handler: (req) => svc.loadBalancers.removeMember(principalOf(req).scope, idOf(req), (req.params as { nicId: string }).nicId),
  });
}
