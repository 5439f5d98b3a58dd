import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import { AnyId, ApiError } from '@kumo/api';
import type { NetworkRow, NicRow } from '@kumo/db';
import type { ServerContext } from '../../context.ts';
import { errorResponses, registerCrud } from '../crud-routes.ts';
import { principalOf } from '../auth-hook.ts';
import { toNetwork, toNic, toRouter } from '../network-mappers.ts';
import { createNetworkServices, deleteRoute, idOf, networkTag } from './network-route-helpers.ts';
import { registerNetworkInfraRoutes } from './network-infra-routes.ts';
import { registerNetworkNatRoutes } from './network-nat-routes.ts';
import { registerLoadBalancerRoutes } from './network-lb-routes.ts';
import { registerSecurityGroupRoutes } from './network-secgroup-routes.ts';

/**
 * Guest networking under /api/v1: physical networks and public IP ranges (admin), networks,
 * routers, NICs, public IPs with static NAT, port forwards, firewall and egress rules, load
 * balancers, security groups. Plain resources: creates answer 201, deletes 204; every write that
 * changes what hosts do bumps the network's configVersion and publishes a `network` change.
 */
export function registerNetworkRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { repos } = ctx;
  const svc = createNetworkServices(ctx);
  registerNetworkInfraRoutes(app, ctx, svc);

  const networkToApi = async (r: NetworkRow) => {
    const { router, snatAddress } = await svc.networks.routerOf(r);
    return toNetwork(r, router, snatAddress);
  };
  registerCrud(app, {
    path: 'networks', noun: 'network', tag: networkTag, repo: repos.networks, schema: api.Network, toApi: networkToApi,
    filters: { zoneId: AnyId, kind: api.NetworkKind, name: Type.String({ maxLength: 63 }) },
    create: { schema: api.NetworkCreate, handler: (p, b) => svc.networks.create(p, b) },
    update: { schema: api.NetworkUpdate, handler: (p, row, b) => svc.networks.update(p.scope, row, b) },
  });
  deleteRoute(app, {
    url: '/api/v1/networks/:id', summary: 'Delete a network without NICs, with its router, public IPs and rules',
    handler: async (req) => {
      const p = principalOf(req);
      const row = await repos.networks.getForWrite(p.scope, idOf(req));
      if (!row) {
        const visible = await repos.networks.get(p.scope, idOf(req));
        if (visible) throw new ApiError('forbidden', `network ${visible.name} is shared; only admins delete it`);
        throw new ApiError('not_found', `network ${idOf(req)} not found`);
      }
      await svc.networks.delete(p.scope, row);
    },
  });

  registerCrud(app, {
    path: 'routers', noun: 'router', tag: networkTag, repo: repos.routers, schema: api.Router, toApi: toRouter,
    filters: { networkId: AnyId, hostId: AnyId },
  });

  // NICs: listed per account (or per instance), security groups changed in place.
  const nicToApi = async (rows: NicRow[]) => {
    const { groups, subnets } = await svc.networks.nicDetails(rows);
    return rows.map((n) => toNic(n, subnets.get(n.networkId) ?? { gateway: '', cidr: '0.0.0.0/32' }, groups.get(n.id) ?? []));
  };
  app.get('/api/v1/nics', {
    schema: { tags: [networkTag], summary: 'List NICs', querystring: api.NicListQuery, response: { 200: api.ListOf(api.Nic), ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    const { limit, cursor, sort, ...filters } = req.query as Record<string, string | number | undefined>;
    const page = await repos.nics.list(p.scope, { limit: limit as number, cursor: cursor as string, sort: sort as string }, filters);
    return { items: await nicToApi(page.items), nextCursor: page.nextCursor };
  });
  app.get('/api/v1/nics/:id', {
    schema: { tags: [networkTag], summary: 'Show a NIC', params: api.IdParams, response: { 200: api.Nic, ...errorResponses } },
  }, async (req) => {
    const nic = await repos.nics.get(principalOf(req).scope, idOf(req));
    if (!nic) throw new ApiError('not_found', `NIC ${idOf(req)} not found`);
    return (await nicToApi([nic]))[0];
  });
  app.patch('/api/v1/nics/:id', {
    schema: { tags: [networkTag], summary: 'Replace the security groups of a NIC', params: api.IdParams, body: api.NicUpdate, response: { 200: api.Nic, ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    await svc.securityGroups.setNicGroups(p.scope, idOf(req), (req.body as { securityGroupIds: string[] }).securityGroupIds);
    const nic = await repos.nics.get(p.scope, idOf(req));
    if (!nic) throw new ApiError('not_found', `NIC ${idOf(req)} not found`);
    return (await nicToApi([nic]))[0];
  });
  app.get('/api/v1/instances/:id/nics', {
    schema: { tags: [networkTag, 'instances'], summary: 'NICs of an instance', params: api.IdParams, response: { 200: api.ListOf(api.Nic), ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    const inst = await repos.instances.get(p.scope, idOf(req));
    if (!inst || inst.phase === 'deleted') throw new ApiError('not_found', `instance ${idOf(req)} not found`);
    return { items: await nicToApi(await repos.nics.ofInstance(inst.id)), nextCursor: null };
  });

  registerNetworkNatRoutes(app, ctx, svc);
  registerLoadBalancerRoutes(app, ctx, svc);
  registerSecurityGroupRoutes(app, ctx, svc);
}
