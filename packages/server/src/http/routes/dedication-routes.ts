import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { requireAdmin } from '../auth-hook.ts';
import { DedicationService } from '../../services/dedication-service.ts';

/** Dedicated zones, pods, clusters and hosts (admins; services/dedication-service.ts). */
export function registerDedicationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const dedications = new DedicationService(ctx.repos);

  app.get('/api/v1/dedications', {
    schema: { tags: ['infrastructure'], summary: 'Every dedicated zone, pod, cluster and host (admins)', querystring: api.DedicationQuery, response: { 200: api.ListOf(api.Dedication), ...errorResponses } },
  }, async (req) => ({ items: await dedications.list(requireAdmin(req).scope, (req.query as { accountId?: string }).accountId), nextCursor: null }));

  app.post('/api/v1/dedications', {
    schema: { tags: ['infrastructure'], summary: 'Dedicate a zone, pod, cluster or host to an account (admins)', body: api.DedicationCreate, response: { 201: api.Dedication, ...errorResponses } },
  }, async (req, reply) => {
    const b = req.body as api.DedicationCreate;
    return reply.status(201).send(await dedications.dedicate(requireAdmin(req).scope, b.kind, b.id, b.accountId));
  });

  app.delete('/api/v1/dedications/:kind/:id', {
    schema: { tags: ['infrastructure'], summary: 'Release a dedicated zone, pod, cluster or host: shared by all accounts again (admins)', params: api.DedicationParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    const p = req.params as { kind: string; id: string };
    await dedications.release(requireAdmin(req).scope, p.kind, p.id);
    return reply.status(204).send();
  });
}
