import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '@kumo/api';
import type { OwnedTable } from '@kumo/db';
import type { PolicyService } from '../services/policy-service.ts';
import { callerOf } from '../services/policy-service.ts';
import { enforce } from '../services/tenancy-policy.ts';
import { actionOf } from './action-names.ts';

/** URL collections whose `:id` is a row of an owned table: the policy asks its owner before a write. */
const ownedCollections: Record<string, OwnedTable> = {
  instances: 'instances', volumes: 'volumes', snapshots: 'snapshots', images: 'images', keypairs: 'keypairs', 'affinity-groups': 'affinityGroups',
  networks: 'networks', 'public-ips': 'publicIps', 'security-groups': 'securityGroups', 'load-balancers': 'loadBalancers', operations: 'operations',
  'port-forwards': 'portForwards', 'firewall-rules': 'firewallRules', 'egress-rules': 'egressRules', nics: 'nics', routers: 'routers', 'api-keys': 'apiKeys',
};

const readMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Takes `projectId` out of the body or the query (the route's schema does not know it). */
function takeProjectId(req: FastifyRequest): string | undefined {
  for (const bag of [req.body, req.query]) {
    if (bag && typeof bag === 'object' && !Array.isArray(bag) && 'projectId' in bag) {
      const v = (bag as Record<string, unknown>).projectId;
      delete (bag as Record<string, unknown>).projectId;
      if (typeof v !== 'string' || v === '' || v.length > 64) throw new ApiError('bad_request', 'projectId must be a project\'s id', { field: 'projectId' });
      return v;
    }
  }
  return undefined;
}

/**
 * After authentication, before validation: the tenancy policy for every API route, in one place.
 * 1. `projectId` (body or query): the caller acts for that project (the project owns what is created).
 * 2. The route's action name against the caller's role (custom roles' allow/deny lists).
 * 3. A write to `/<collection>/:id…`: the row's owner decides 403 (seen, not changeable); what the caller does not
 *    see is left to the route, whose scoped repository answers 404.
 * Reads need no owner lookup: the repositories return only what the scope may see.
 */
export function installPolicy(app: FastifyInstance, policy: PolicyService): void {
  app.addHook('preValidation', async (req) => {
    const p = req.principal;
    if (!p || p.role === 'agent' || req.routeOptions.config?.public) return;
    const route = actionOf(req.method, req.routeOptions.url ?? '', (req.params ?? {}) as Record<string, string | undefined>);
    if (!route) return;
    const write = !readMethods.has(req.method) || req.routeOptions.config?.acts === true;
    const projectId = takeProjectId(req);
    if (projectId !== undefined) req.principal = await policy.actingFor(p, projectId, write);
    const caller = req.principal ?? p;
    enforce(callerOf(caller), route.action, null, false, route.collection);
    const table = ownedCollections[route.collection];
    if (write && table && route.id !== undefined) await policy.checkRow(caller, route.action, table, route.id, true, `${route.collection.replace(/s$/, '')} ${route.id}`);
  });
}
