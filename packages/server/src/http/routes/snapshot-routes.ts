import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import { ApiError } from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { toSnapshot } from '../mappers.ts';
import { principalOf } from '../auth-hook.ts';
import { answerOperation, IdempotencyHeaders, idempotencyKeyOf } from '../operation-answer.ts';

const opResponses = { 200: api.Operation, 202: api.Operation, ...errorResponses, 422: api.ErrorResponse };

/** Snapshots: list/show/create/delete, and their files (uploaded by the host that took them, downloaded by hosts making volumes). */
export function registerSnapshotRoutes(app: FastifyInstance, ctx: ServerContext, opts: { maxFileBytes: number }): void {
  const { snapshots } = ctx.storage;
  const idOf = (req: { params: unknown }) => (req.params as { id: string }).id;
  if (!app.hasContentTypeParser('application/octet-stream')) app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  app.get('/api/v1/snapshots', {
    schema: { tags: ['snapshots'], summary: 'List snapshots', querystring: api.SnapshotListQuery, response: { 200: api.ListOf(api.Snapshot), ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    const { limit, cursor, sort, ...filters } = req.query as Record<string, string | number | undefined>;
    const page = await ctx.repos.snapshots.list(p.scope, { limit: limit as number, cursor: cursor as string, sort: sort as string }, filters);
    return { items: page.items.map(toSnapshot), nextCursor: page.nextCursor };
  });

  app.get('/api/v1/snapshots/:id', {
    schema: { tags: ['snapshots'], summary: 'Show a snapshot', params: api.IdParams, response: { 200: api.Snapshot, ...errorResponses } },
  }, async (req) => toSnapshot(await snapshots.get(principalOf(req).scope, idOf(req))));

  app.post('/api/v1/snapshots', {
    schema: { tags: ['snapshots'], summary: 'Snapshot a volume (202 + operation)', body: api.SnapshotCreate, querystring: api.WaitQuery, headers: IdempotencyHeaders, response: opResponses },
  }, async (req, reply) => {
    const b = req.body as api.SnapshotCreate;
    return answerOperation(ctx, req, reply, await snapshots.create(principalOf(req).scope, b.volumeId, b.name, idempotencyKeyOf(req)));
  });

  app.delete('/api/v1/snapshots/:id', {
    schema: { tags: ['snapshots'], summary: 'Delete a snapshot (202 + operation)', params: api.IdParams, querystring: api.WaitQuery, headers: IdempotencyHeaders, response: opResponses },
  }, async (req, reply) => answerOperation(ctx, req, reply, await snapshots.delete(principalOf(req).scope, idOf(req), idempotencyKeyOf(req))));

  app.put('/api/v1/snapshots/:id/file', {
    config: { agentAllowed: true },
    bodyLimit: opts.maxFileBytes,
    schema: {
      tags: ['snapshots'], summary: 'Upload the file of a snapshot being taken (hosts, with their host token; raw body, x-kumo-sha256 header)',
      params: api.IdParams, response: { 200: api.SnapshotFileStored, ...errorResponses, 413: api.ErrorResponse },
    },
  }, async (req) => {
    const p = principalOf(req);
    if (p.role !== 'agent' && p.role !== 'admin') throw new ApiError('forbidden', 'only hosts upload snapshot files');
    return snapshots.receiveFile(idOf(req), req.headers['x-kumo-sha256'] as string | undefined, req.body as Readable | undefined);
  });

  app.get('/api/v1/snapshots/:id/file', {
    config: { agentAllowed: true },
    schema: { tags: ['snapshots'], summary: 'Download the file of an image-store snapshot (hosts use their host token)', params: api.IdParams, response: { 200: Type.Unknown(), ...errorResponses } },
  }, async (req, reply) => {
    const s = await snapshots.file(principalOf(req).scope, idOf(req));
    const st = statSync(s.storagePath);
    void reply.header('content-type', 'application/octet-stream').header('content-length', String(st.size)).header('x-kumo-sha256', s.sha256);
    return reply.send(createReadStream(s.storagePath));
  });
}
