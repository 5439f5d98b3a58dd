import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { toEvent, toOperation } from '../mappers.ts';
import { principalOf } from '../auth-hook.ts';

/** Operations (pollable, waitable) and the event history. */
export function registerOperationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { repos } = ctx;

  app.get('/api/v1/operations', {
    schema: { tags: ['operations'], summary: 'List operations', querystring: api.OperationListQuery, response: { 200: api.ListOf(api.Operation), ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    const { limit, cursor, sort, ...filters } = req.query as Record<string, string | number | undefined>;
    const page = await repos.operations.list(p.scope, { limit: limit as number, cursor: cursor as string, sort: sort as string }, filters);
    return { items: page.items.map(toOperation), nextCursor: page.nextCursor };
  });

  app.get('/api/v1/operations/:id', {
    schema: {
      tags: ['operations'], summary: 'Show an operation; ?wait=true blocks until it ends (or waitTimeoutSec)',
      params: api.IdParams, querystring: api.WaitQuery, response: { 200: api.Operation, ...errorResponses },
    },
  }, async (req) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    const q = req.query as { wait?: boolean; waitTimeoutSec?: number };
    const op = q.wait ? await ctx.ops.waitFor(p.scope, id, (q.waitTimeoutSec ?? 60) * 1000) : await ctx.ops.get(p.scope, id);
    return toOperation(op);
  });

  app.post('/api/v1/operations/:id/cancel', {
    schema: {
      tags: ['operations'], summary: 'Cancel an operation: the host undoes the work and the operation ends `cancelled` (instance save and restore)',
      params: api.IdParams, response: { 202: api.Operation, ...errorResponses },
    },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    reply.code(202);
    return toOperation(await ctx.opCancel.cancel(p.scope, id));
  });

  app.get('/api/v1/events', {
    schema: { tags: ['operations'], summary: 'List events (newest last; sort=-id for newest first)', querystring: api.EventListQuery, response: { 200: api.ListOf(api.Event), ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    const { limit, cursor, sort, ...filters } = req.query as Record<string, string | number | undefined>;
    const page = await repos.events.list(p.scope, { limit: limit as number, cursor: cursor as string, sort: sort as string }, filters);
    return { items: page.items.map(toEvent), nextCursor: page.nextCursor };
  });

  app.get('/api/v1/health', {
    config: { public: true },
    schema: { tags: ['system'], summary: 'Liveness and database reachability', response: { 200: Type.Object({ status: Type.String(), database: Type.String(), agents: Type.Integer(), time: Type.String({ description: 'server clock, for skew checks' }) }) } },
  }, async () => {
    await repos.health.ping();
    return { status: 'ok', database: 'ok', agents: ctx.gateway.connectedCount(), time: new Date().toISOString() };
  });
}
