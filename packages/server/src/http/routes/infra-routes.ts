import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { newId } from '@kumo/core';
import * as api from '@kumo/api';
import { ApiError, AnyId, HostAdminState, HostState } from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { nowIso } from '../../context.ts';
import { errorResponses, refuseIfReferenced, registerCrud, uniquely } from '../crud-routes.ts';
import { createPool } from '../../services/pool-service.ts';
import { toCluster, toHost, toPod, toPool, toZone } from '../mappers.ts';
import { requireAdmin } from '../auth-hook.ts';
import { createJoinToken } from '../../services/join-tokens.ts';
import { registerHostRoutes } from './host-routes.ts';
import { DedicationService } from '../../services/dedication-service.ts';
import { defaultHaSettings, haSettingsOf, haSettingsPatch } from '../../ha/ha-settings.ts';

/** Zones > pods > clusters > hosts, primary storage pools, host join tokens. */
export function registerInfraRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { repos } = ctx;
  const now = () => nowIso(ctx.clock);

  registerCrud(app, {
    path: 'zones', noun: 'zone', tag: 'infrastructure', repo: repos.zones, schema: api.Zone, toApi: toZone, adminWrite: true,
    filters: { name: Type.String({ maxLength: 63 }) },
    create: {
      schema: api.ZoneCreate,
      handler: async (_p, b) => {
        const row = {
          id: newId('zone'), name: b.name, description: b.description ?? '', placementStrategy: b.placementStrategy ?? 'spread' as const, createdAt: now(),
          ...haSettingsPatch(defaultHaSettings, b.ha ?? {}),
        };
        await uniquely('name', `zone ${b.name}`, () => repos.zones.insert(row));
        return row;
      },
    },
    update: {
      schema: api.ZoneUpdate,
      handler: async (p, row, b) => {
        const patch = {
          ...(b.description !== undefined ? { description: b.description } : {}), ...(b.placementStrategy ? { placementStrategy: b.placementStrategy } : {}),
          ...(b.ha ? haSettingsPatch(haSettingsOf(row), b.ha) : {}),
        };
        await repos.zones.update(p.scope, row.id, patch);
        return { ...row, ...patch };
      },
    },
    delete: { check: (_p, row) => refuseIfReferenced(repos.zones, [['pods', 'zoneId', 'pods'], ['instances', 'zoneId', 'instances'], ['hosts', 'zoneId', 'hosts']], row.id, 'zone') },
  });

  registerCrud(app, {
    path: 'pods', noun: 'pod', tag: 'infrastructure', repo: repos.pods, schema: api.Pod, toApi: toPod, adminWrite: true,
    filters: { zoneId: AnyId, name: Type.String({ maxLength: 63 }) },
    create: {
      schema: api.PodCreate,
      handler: async (p, b) => {
        if (!(await repos.zones.get(p.scope, b.zoneId))) throw new ApiError('bad_request', `zone ${b.zoneId} does not exist`, { field: 'zoneId' });
        const row = { id: newId('pod'), zoneId: b.zoneId, name: b.name, createdAt: now() };
        await uniquely('name', `pod ${b.name} in this zone`, () => repos.pods.insert(row));
        return row;
      },
    },
    delete: { check: (_p, row) => refuseIfReferenced(repos.pods, [['clusters', 'podId', 'clusters']], row.id, 'pod') },
  });

  registerCrud(app, {
    path: 'clusters', noun: 'cluster', tag: 'infrastructure', repo: repos.clusters, schema: api.Cluster, toApi: toCluster, adminRead: true, adminWrite: true,
    filters: { zoneId: AnyId, podId: AnyId, name: Type.String({ maxLength: 63 }) },
    create: {
      schema: api.ClusterCreate,
      handler: async (p, b) => {
        const pod = await repos.pods.get(p.scope, b.podId);
        if (!pod) throw new ApiError('bad_request', `pod ${b.podId} does not exist`, { field: 'podId' });
        const row = { id: newId('cluster'), zoneId: pod.zoneId, podId: pod.id, name: b.name, hypervisor: b.hypervisor, cpuOvercommit: b.cpuOvercommit ?? 1, memoryOvercommit: b.memoryOvercommit ?? 1, createdAt: now() };
        await uniquely('name', `cluster ${b.name} in this pod`, () => repos.clusters.insert(row));
        return row;
      },
    },
    update: {
      schema: api.ClusterUpdate,
      handler: async (p, row, b) => {
        const patch = { ...(b.cpuOvercommit !== undefined ? { cpuOvercommit: b.cpuOvercommit } : {}), ...(b.memoryOvercommit !== undefined ? { memoryOvercommit: b.memoryOvercommit } : {}) };
        await repos.clusters.update(p.scope, row.id, patch);
        return { ...row, ...patch };
      },
    },
    delete: { check: (_p, row) => refuseIfReferenced(repos.clusters, [['hosts', 'clusterId', 'hosts'], ['pools', 'clusterId', 'pools']], row.id, 'cluster') },
  });

  registerCrud(app, {
    path: 'pools', noun: 'pool', tag: 'infrastructure', repo: repos.pools, schema: api.Pool, toApi: toPool, adminRead: true, adminWrite: true,
    filters: { zoneId: AnyId, clusterId: AnyId, hostId: AnyId },
    create: {
      schema: api.PoolCreate,
      handler: (p, b) => createPool(repos, ctx.clock, p.scope, b),
    },
    delete: { check: (_p, row) => refuseIfReferenced(repos.pools, [['volumes', 'poolId', 'volumes']], row.id, 'pool') },
  });

  registerCrud(app, {
    path: 'hosts', noun: 'host', tag: 'infrastructure', repo: repos.hosts, schema: api.Host, toApi: async (r) => toHost(r, await ctx.hosts.instanceCount(r.id)),
    adminRead: true, adminWrite: true,
    filters: { zoneId: AnyId, clusterId: AnyId, state: HostState, adminState: HostAdminState, name: Type.String({ maxLength: 63 }) },
    update: {
      schema: api.HostUpdate,
      handler: async (p, row, b) => {
        if (b.dedicatedAccountId && !(await repos.accounts.get(p.scope, b.dedicatedAccountId))) {
          throw new ApiError('bad_request', `account ${b.dedicatedAccountId} does not exist`, { field: 'dedicatedAccountId' });
        }
        // The same checks as /api/v1/dedications: no overlap with another account's, none of its instances there.
        if (b.dedicatedAccountId) await new DedicationService(repos).dedicate(p.scope, 'host', row.id, b.dedicatedAccountId);
        const patch = { ...(b.tags ? { tags: JSON.stringify(b.tags) } : {}), ...(b.dedicatedAccountId !== undefined ? { dedicatedAccountId: b.dedicatedAccountId } : {}) };
        await repos.hosts.update(p.scope, row.id, patch);
        return { ...row, ...patch };
      },
    },
    delete: { check: (_p, row) => ctx.hosts.prepareDelete(row) },
  });

  registerHostRoutes(app, ctx);

  app.post('/api/v1/join-tokens', {
    schema: { tags: ['infrastructure'], summary: 'A token with which agents join a cluster', body: api.JoinTokenCreate, response: { 201: api.JoinToken, ...errorResponses } },
  }, async (req, reply) => {
    const p = requireAdmin(req);
    const b = req.body as { clusterId: string; ttlSeconds?: number };
    if (!(await repos.clusters.get(p.scope, b.clusterId))) throw new ApiError('bad_request', `cluster ${b.clusterId} does not exist`, { field: 'clusterId' });
    const t = await createJoinToken(ctx, b.clusterId, b.ttlSeconds);
    return reply.status(201).send({ ...t, clusterId: b.clusterId });
  });
}
