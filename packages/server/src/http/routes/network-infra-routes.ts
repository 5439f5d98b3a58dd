import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import { AnyId, ApiError } from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses, registerCrud } from '../crud-routes.ts';
import { requireAdmin } from '../auth-hook.ts';
import { toPhysicalNetwork, toPhysicalNetworkHost, toPublicIpRange } from '../network-mappers.ts';
import { deleteRoute, idOf, networkTag, type NetworkServices } from './network-route-helpers.ts';

/** Admin: physical networks (traffic types, devices, VNI/VLAN ranges), per-host devices, public IP ranges. */
export function registerNetworkInfraRoutes(app: FastifyInstance, ctx: ServerContext, svc: NetworkServices): void {
  const { repos } = ctx;

  registerCrud(app, {
    path: 'physical-networks', noun: 'physical network', tag: networkTag, repo: repos.physicalNetworks, schema: api.PhysicalNetwork,
    toApi: toPhysicalNetwork, adminRead: true, adminWrite: true,
    filters: { zoneId: AnyId, name: Type.String({ maxLength: 63 }) },
    create: { schema: api.PhysicalNetworkCreate, handler: (_p, b) => svc.infra.createPhysicalNetwork(b) },
    update: { schema: api.PhysicalNetworkUpdate, handler: (_p, row, b) => svc.infra.updatePhysicalNetwork(row, b) },
  });
  const loadPhys = async (id: string) => {
    const row = await repos.physicalNetworks.get({ accountId: 'acct-system', admin: true }, id);
    if (!row) throw new ApiError('not_found', `physical network ${id} not found`);
    return row;
  };
  deleteRoute(app, {
    url: '/api/v1/physical-networks/:id', summary: 'Delete a physical network (refused while networks or public IP ranges use it)',
    handler: async (req) => { requireAdmin(req); await svc.infra.deletePhysicalNetwork(await loadPhys(idOf(req))); },
  });

  app.get('/api/v1/physical-networks/:id/hosts', {
    schema: { tags: [networkTag], summary: 'Per-host devices and underlay addresses of a physical network', params: api.IdParams, response: { 200: api.ListOf(api.PhysicalNetworkHost), ...errorResponses } },
  }, async (req) => {
    requireAdmin(req);
    const phys = await loadPhys(idOf(req));
    return { items: (await svc.infra.hostMappings(phys.id)).map(toPhysicalNetworkHost), nextCursor: null };
  });
  app.post('/api/v1/physical-networks/:id/hosts', {
    schema: {
      tags: [networkTag], summary: 'Set the device and underlay address one host uses on a physical network (defaults: the network\'s device, the host\'s address)',
      params: api.IdParams, body: api.PhysicalNetworkHostSet, response: { 201: api.PhysicalNetworkHost, ...errorResponses },
    },
  }, async (req, reply) => {
    requireAdmin(req);
    const phys = await loadPhys(idOf(req));
    return reply.status(201).send(toPhysicalNetworkHost(await svc.infra.setHostMapping(phys, req.body as api.PhysicalNetworkHostSet)));
  });
  deleteRoute(app, {
    url: '/api/v1/physical-networks/:id/hosts/:hostId', summary: 'Remove a host\'s mapping (it falls back to the defaults)',
    params: Type.Object({ id: AnyId, hostId: AnyId }, { additionalProperties: false }),
    handler: async (req) => {
      requireAdmin(req);
      await svc.infra.deleteHostMapping(await loadPhys(idOf(req)), (req.params as { hostId: string }).hostId);
    },
  });

  registerCrud(app, {
    path: 'public-ip-ranges', noun: 'public IP range', tag: networkTag, repo: repos.publicIpRanges, schema: api.PublicIpRange,
    toApi: async (r) => toPublicIpRange(r, await svc.infra.allocatedInRange(r.id)), adminRead: true, adminWrite: true,
    filters: { zoneId: AnyId },
    create: { schema: api.PublicIpRangeCreate, handler: (_p, b) => svc.infra.createPublicIpRange(b) },
  });
  deleteRoute(app, {
    url: '/api/v1/public-ip-ranges/:id', summary: 'Delete a public IP range (refused while addresses of it are allocated)',
    handler: async (req) => {
      const p = requireAdmin(req);
      const row = await repos.publicIpRanges.get(p.scope, idOf(req));
      if (!row) throw new ApiError('not_found', `public IP range ${idOf(req)} not found`);
      await svc.infra.assertRangeDeletable(row);
      await repos.publicIpRanges.delete(p.scope, row.id);
    },
  });
}
