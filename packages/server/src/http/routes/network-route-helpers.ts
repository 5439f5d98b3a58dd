import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, IdParams } from '@kumo/api';
import { isForeignKeyViolation } from '@kumo/db';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import type { NetworkDeps } from '../../services/network-tx.ts';
import { NetworkInfraService } from '../../services/network-infra-service.ts';
import { NetworkService } from '../../services/network-service.ts';
import { PublicIpService } from '../../services/network-public-ip-service.ts';
import { NetworkRuleService } from '../../services/network-rule-service.ts';
import { LoadBalancerService } from '../../services/network-lb-service.ts';
import { SecurityGroupService } from '../../services/network-secgroup-service.ts';

export const networkTag = 'networking';

/** The networking services, built once per server from its context. */
export function createNetworkServices(ctx: ServerContext) {
  const deps: NetworkDeps = { repos: ctx.repos, clock: ctx.clock, notifier: ctx.notifier, events: ctx.events };
  return {
    deps,
    infra: new NetworkInfraService(deps),
    networks: new NetworkService(deps),
    publicIps: new PublicIpService(deps),
    rules: new NetworkRuleService(deps),
    loadBalancers: new LoadBalancerService(deps),
    securityGroups: new SecurityGroupService(deps),
  };
}
export type NetworkServices = ReturnType<typeof createNetworkServices>;

/**
 * A DELETE route answering 204. A foreign-key violation (something started referring to the row
 * while it was being deleted) is a 409 in_use, not a 500.
 */
export function deleteRoute(app: FastifyInstance, o: { url: string; summary: string; params?: TSchema; handler: (req: FastifyRequest) => Promise<void> }): void {
  app.delete(o.url, {
    schema: { tags: [networkTag], summary: o.summary, params: o.params ?? IdParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    try {
      await o.handler(req);
    } catch (e) {
      if (isForeignKeyViolation(e)) throw new ApiError('in_use', 'other resources still refer to it; delete them first');
      throw e;
    }
    return reply.status(204).send();
  });
}

export const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
