import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import { AnyId } from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses, registerCrud } from '../crud-routes.ts';
import { principalOf } from '../auth-hook.ts';
import { toEgressRule, toFirewallRule, toPortForward, toPublicIp } from '../network-mappers.ts';
import { deleteRoute, idOf, networkTag, type NetworkServices } from './network-route-helpers.ts';

/** Public IPs (allocate, release, static NAT), port forwards, firewall rules and egress rules. */
export function registerNetworkNatRoutes(app: FastifyInstance, ctx: ServerContext, svc: NetworkServices): void {
  const { repos } = ctx;
  const addressOf = (publicIpId: string) => svc.publicIps.addressOf(publicIpId);
  const nicIpOf = (nicId: string) => svc.publicIps.nicIpOf(nicId);

  registerCrud(app, {
    path: 'public-ips', noun: 'public IP', tag: networkTag, repo: repos.publicIps, schema: api.PublicIp, toApi: toPublicIp,
    filters: { zoneId: AnyId, networkId: AnyId, address: api.Ipv4 },
    create: { schema: api.PublicIpAllocate, handler: (p, b) => svc.publicIps.allocate(p.scope, b) },
  });
  deleteRoute(app, {
    url: '/api/v1/public-ips/:id', summary: 'Release a public IP (refused while rules use it or it is a source NAT address)',
    handler: (req) => svc.publicIps.release(principalOf(req).scope, idOf(req)),
  });
  app.post('/api/v1/public-ips/:id/static-nat', {
    schema: {
      tags: [networkTag], summary: 'Static NAT (elastic IP): map the public IP one-to-one to a NIC of its network',
      params: api.IdParams, body: api.StaticNatEnable, response: { 201: api.PublicIp, ...errorResponses },
    },
  }, async (req, reply) => {
    const row = await svc.publicIps.enableStaticNat(principalOf(req).scope, idOf(req), (req.body as { nicId: string }).nicId);
    return reply.status(201).send(toPublicIp(row));
  });
  deleteRoute(app, {
    url: '/api/v1/public-ips/:id/static-nat', summary: 'Disable the static NAT of a public IP',
    handler: (req) => svc.publicIps.disableStaticNat(principalOf(req).scope, idOf(req)),
  });

  registerCrud(app, {
    path: 'port-forwards', noun: 'port forward', tag: networkTag, repo: repos.portForwards, schema: api.PortForward,
    toApi: async (r) => toPortForward(r, await addressOf(r.publicIpId), await nicIpOf(r.nicId)),
    filters: { networkId: AnyId, publicIpId: AnyId, nicId: AnyId, protocol: api.ForwardProtocol },
    create: { schema: api.PortForwardCreate, handler: (p, b) => svc.rules.createPortForward(p.scope, b) },
  });
  deleteRoute(app, { url: '/api/v1/port-forwards/:id', summary: 'Delete a port forward', handler: (req) => svc.rules.deleteRule(principalOf(req).scope, 'portForwards', idOf(req), 'port forward') });

  registerCrud(app, {
    path: 'firewall-rules', noun: 'firewall rule', tag: networkTag, repo: repos.firewallRules, schema: api.FirewallRule,
    toApi: async (r) => toFirewallRule(r, await addressOf(r.publicIpId)),
    filters: { networkId: AnyId, publicIpId: AnyId },
    create: { schema: api.FirewallRuleCreate, handler: (p, b) => svc.rules.createFirewallRule(p.scope, b) },
  });
  deleteRoute(app, { url: '/api/v1/firewall-rules/:id', summary: 'Delete a firewall rule', handler: (req) => svc.rules.deleteRule(principalOf(req).scope, 'firewallRules', idOf(req), 'firewall rule') });

  registerCrud(app, {
    path: 'egress-rules', noun: 'egress rule', tag: networkTag, repo: repos.egressRules, schema: api.EgressRule, toApi: toEgressRule,
    filters: { networkId: AnyId },
    create: { schema: api.EgressRuleCreate, handler: (p, b) => svc.rules.createEgressRule(p.scope, b) },
  });
  deleteRoute(app, { url: '/api/v1/egress-rules/:id', summary: 'Delete an egress rule', handler: (req) => svc.rules.deleteRule(principalOf(req).scope, 'egressRules', idOf(req), 'egress rule') });
}
