import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../../metrics/server-metrics.ts';
import { requireAdmin } from '../auth-hook.ts';

/**
 * GET /metrics: Prometheus exposition format, for an admin's credentials (Prometheus sends them with
 * `authorization: { credentials: <admin API key> }` in its scrape config; docs/operators.md).
 * Every API request is timed by its route template (not its URL, so ids do not explode the series).
 */
export function registerMetricsRoutes(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url;
    if (!route || route === '/metrics') return;
    metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    requireAdmin(req);
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
