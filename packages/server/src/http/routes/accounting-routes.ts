import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { principalOf, requireAdmin } from '../auth-hook.ts';
import { openEventStream } from '../event-stream.ts';
import { toAuditEntry } from '../../services/audit-service.ts';
import { defaultQuotaOwner } from '../../services/quota-service.ts';

/** Quotas, usage records and the audit log (docs/accounting.md). */
export function registerAccountingRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { quotas, usage, audit } = ctx.accounting;

  app.get('/api/v1/accounts/:id/quota', {
    schema: { tags: ['accounting'], summary: 'An account\'s quota: its limits, the defaults, what is enforced and what it uses now (owners and admins)', params: api.IdParams, response: { 200: api.Quota, ...errorResponses } },
  }, async (req) => quotas.show(principalOf(req).scope, (req.params as { id: string }).id));

  app.put('/api/v1/accounts/:id/quota', {
    schema: { tags: ['accounting'], summary: 'Set some of an account\'s limits (null: back to the default); admins only', params: api.IdParams, body: api.QuotaUpdate, response: { 200: api.Quota, ...errorResponses } },
  }, async (req) => {
    const p = requireAdmin(req);
    const id = (req.params as { id: string }).id;
    await quotas.set(p.scope, id, req.body as api.QuotaUpdate);
    return quotas.show(p.scope, id);
  });

  app.get('/api/v1/quota-defaults', {
    schema: { tags: ['accounting'], summary: 'The limits of every account that has none of its own (null: unlimited)', response: { 200: api.QuotaLimits, ...errorResponses } },
  }, async () => (await quotas.defaults()));

  app.put('/api/v1/quota-defaults', {
    schema: { tags: ['accounting'], summary: 'Set default limits (null: unlimited); admins only', body: api.QuotaUpdate, response: { 200: api.QuotaLimits, ...errorResponses } },
  }, async (req) => {
    const p = requireAdmin(req);
    await quotas.set(p.scope, defaultQuotaOwner.ownerId, req.body as api.QuotaUpdate);
    return quotas.defaults();
  });

  app.get('/api/v1/usage', {
    schema: {
      tags: ['accounting'], summary: 'Usage records (hours, GiB-hours) per meter and offering, per hour or day, with totals; your own account, admins any',
      querystring: api.UsageQuery, response: { 200: api.UsageReport, ...errorResponses },
    },
  }, async (req) => usage.report(principalOf(req).scope, req.query as api.UsageQuery));

  app.get('/api/v1/usage/rollups', {
    schema: {
      tags: ['accounting'], summary: 'Closed hourly or daily usage grouped per account (admins: every account or one; others: their own); join on accounts for domain or project totals',
      querystring: api.UsageRollupQuery, response: { 200: api.UsageRollupList, ...errorResponses },
    },
  }, async (req) => usage.rollups(principalOf(req).scope, req.query as api.UsageRollupQuery));

  app.get('/api/v1/audit', {
    schema: {
      tags: ['accounting'], summary: 'The audit log, newest first: every mutating API call; admins see all, users their own account\'s',
      querystring: api.AuditQuery, response: { 200: api.ListOf(api.AuditEntry), ...errorResponses },
    },
  }, async (req) => {
    const { limit, cursor, sort, ...filter } = req.query as api.AuditQuery;
    const page = await audit.list(principalOf(req).scope, { limit, cursor, sort }, filter);
    return { items: page.items.map(toAuditEntry), nextCursor: page.nextCursor };
  });

  app.get('/api/v1/audit/stream', {
    schema: {
      tags: ['accounting'], summary: 'Server-sent events: an `audit` event with each new audit entry the caller may see',
      response: { 200: Type.String({ description: 'text/event-stream' }), ...errorResponses },
    },
  }, (req, reply) => {
    const p = principalOf(req);
    openEventStream(req, reply, 'kumo audit stream', (send) => audit.subscribe(p.scope, (row) => send('audit', toAuditEntry(row))));
  });
}
