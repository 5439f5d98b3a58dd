import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { MetricsQueryService } from '../../metrics/metrics-query.ts';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { principalOf, requireAdmin } from '../auth-hook.ts';

/**
 * Metrics API: series of an instance (its owner or an admin) and of a host (admins), the
 * bottleneck view of a host, the dashboard's overview and the alerts of the caller's account.
 */
export function registerMetricsApiRoutes(app: FastifyInstance, ctx: ServerContext, metrics: MetricsQueryService): void {
  app.get('/api/v1/instances/:id/metrics', {
    schema: {
      tags: ['metrics'], summary: 'CPU, memory, disk and network series of an instance (raw 10 s samples for the last day, 5-minute rollups for 30 days)',
      params: api.IdParams, querystring: api.MetricsQuery, response: { 200: api.InstanceMetrics, ...errorResponses },
    },
  }, async (req) => metrics.instanceSeries(principalOf(req).scope, (req.params as { id: string }).id, req.query as api.MetricsQuery));

  app.get('/api/v1/hosts/:id/metrics', {
    schema: {
      tags: ['metrics'], summary: 'CPU, load, memory, pool and guest I/O series of a host (admin)',
      params: api.IdParams, querystring: api.MetricsQuery, response: { 200: api.HostMetrics, ...errorResponses },
    },
  }, async (req) => { requireAdmin(req); return metrics.hostSeries((req.params as { id: string }).id, req.query as api.MetricsQuery); });

  app.get('/api/v1/hosts/:id/top', {
    schema: {
      tags: ['metrics'], summary: 'Bottleneck view of a host (admin): its newest sample and its instances by what they use now; `topConsumer` names the first',
      params: api.IdParams, querystring: api.TopQuery, response: { 200: api.HostTop, ...errorResponses },
    },
  }, async (req) => {
    requireAdmin(req);
    const q = req.query as { sort?: api.TopSort; limit?: number };
    return metrics.hostTop((req.params as { id: string }).id, q.sort ?? 'cpu', q.limit ?? 10);
  });

  app.get('/api/v1/metrics/overview', {
    schema: {
      tags: ['metrics'], summary: 'Top consumers (the caller\'s instances; admins: all) and, for admins, every host\'s newest sample (the heat map)',
      querystring: api.TopQuery, response: { 200: api.MetricsOverview, ...errorResponses },
    },
  }, async (req) => metrics.overview(principalOf(req).scope, (req.query as { limit?: number }).limit ?? 5));

  app.get('/api/v1/alerts', {
    schema: {
      tags: ['metrics'], summary: 'Alerts (events of kind alert.*) of the caller\'s account, newest first; admins see every account\'s',
      querystring: api.AlertListQuery, response: { 200: api.AlertList, ...errorResponses },
    },
  }, async (req) => {
    const q = req.query as { limit?: number };
    const rows = await ctx.repos.events.alerts(principalOf(req).scope, q.limit ?? 20);
    return { items: rows.map((e) => ({ id: e.id, rule: e.kind.slice('alert.'.length), severity: e.severity, resourceType: e.resourceType, resourceId: e.resourceId, message: e.message, createdAt: e.createdAt })) };
  });
}
