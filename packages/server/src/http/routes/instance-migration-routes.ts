import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { MigrationRow } from '@kumo/db';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { answerOperation, idempotencyKeyOf, IdempotencyHeaders } from '../operation-answer.ts';
import { principalOf, requireAdmin } from '../auth-hook.ts';

const parse = <T>(s: string | null): T | null => (s === null ? null : JSON.parse(s) as T);

export function toMigrationRecord(m: MigrationRow): api.InstanceMigrationRecord {
  return {
    id: m.id, instanceId: m.instanceId, operationId: m.operationId, mode: m.mode, attempt: m.attempt,
    sourceHostId: m.sourceHostId, targetHostId: m.targetHostId, requestedHostId: m.requestedHostId, state: m.state,
    stats: parse(m.stats), result: parse(m.result), error: m.error, createdAt: m.createdAt, startedAt: m.startedAt, finishedAt: m.finishedAt,
  };
}

/** Moving instances between hosts (admins), and their migration history. The work is MigrationService's and the controller's. */
export function registerInstanceMigrationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/api/v1/instances/:id/migrate', {
    schema: {
      tags: ['instances'], summary: 'Move an instance to another host: live when it runs, cold when stopped (admins; 202 + operation)',
      params: api.IdParams, querystring: api.WaitQuery, headers: IdempotencyHeaders, body: Type.Optional(api.InstanceMigrateRequest),
      response: { 200: api.Operation, 202: api.Operation, ...errorResponses, 422: api.ErrorResponse },
    },
  }, async (req, reply) => {
    const p = requireAdmin(req);
    const body = (req.body ?? {}) as { hostId?: string; live?: boolean };
    const op = await ctx.migrations.request(p.scope, (req.params as { id: string }).id, { hostId: body.hostId, live: body.live }, idempotencyKeyOf(req));
    return answerOperation(ctx, req, reply, op);
  });

  app.get('/api/v1/instances/:id/migration-candidates', {
    schema: {
      tags: ['instances'], summary: 'Hosts the instance could move to now, best first, and every other host with the reason it cannot (admins)',
      params: api.IdParams, querystring: api.MigrationCandidatesQuery, response: { 200: api.MigrationCandidates, ...errorResponses },
    },
  }, async (req) => {
    requireAdmin(req);
    return ctx.migrations.candidates((req.params as { id: string }).id, (req.query as { mode?: 'live' | 'cold' }).mode);
  });

  app.get('/api/v1/instances/:id/migrations', {
    schema: { tags: ['instances'], summary: 'Migration attempts of an instance, newest first, with their figures', params: api.IdParams, response: { 200: api.ListOf(api.InstanceMigrationRecord), ...errorResponses } },
  }, async (req) => {
    const rows = await ctx.migrations.history(principalOf(req).scope, (req.params as { id: string }).id);
    return { items: rows.map(toMigrationRecord), nextCursor: null };
  });
}
