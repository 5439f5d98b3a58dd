import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { toVolume } from '../mappers.ts';
import { principalOf } from '../auth-hook.ts';
import { answerOperation, IdempotencyHeaders, idempotencyKeyOf } from '../operation-answer.ts';

const opResponses = { 200: api.Operation, 202: api.Operation, ...errorResponses, 422: api.ErrorResponse };

/** Volumes: reads, and writes that answer 202 with an operation (or wait for it with ?wait=true). The work is the storage services'. */
export function registerVolumeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { volumes, volumeDevices, snapshots } = ctx.storage;
  const idOf = (req: { params: unknown }) => (req.params as { id: string }).id;

  app.get('/api/v1/volumes', {
    schema: { tags: ['volumes'], summary: 'List volumes', querystring: api.VolumeListQuery, response: { 200: api.ListOf(api.Volume), ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    const { limit, cursor, sort, ...filters } = req.query as Record<string, string | number | undefined>;
    const page = await ctx.repos.volumes.list(p.scope, { limit: limit as number, cursor: cursor as string, sort: sort as string }, filters);
    return { items: page.items.filter((v) => v.desired !== 'deleted' || v.phase !== 'deleted').map(toVolume), nextCursor: page.nextCursor };
  });

  app.get('/api/v1/volumes/:id', {
    schema: { tags: ['volumes'], summary: 'Show a volume', params: api.IdParams, response: { 200: api.Volume, ...errorResponses } },
  }, async (req) => toVolume(await volumes.get(principalOf(req).scope, idOf(req))));

  app.post('/api/v1/volumes', {
    schema: { tags: ['volumes'], summary: 'Create a data volume (202 + operation)', body: api.VolumeCreate, querystring: api.WaitQuery, headers: IdempotencyHeaders, response: opResponses },
  }, async (req, reply) => answerOperation(ctx, req, reply, await volumes.create(principalOf(req).scope, req.body as api.VolumeCreate, idempotencyKeyOf(req))));

  app.patch('/api/v1/volumes/:id', {
    schema: { tags: ['volumes'], summary: 'Rename, or change the disk offering (I/O limits, live on a running instance) (202 + operation)', params: api.IdParams, body: api.VolumeUpdate, querystring: api.WaitQuery, headers: IdempotencyHeaders, response: opResponses },
  }, async (req, reply) => answerOperation(ctx, req, reply, await volumes.update(principalOf(req).scope, idOf(req), req.body as api.VolumeUpdate, idempotencyKeyOf(req))));

  app.delete('/api/v1/volumes/:id', {
    schema: { tags: ['volumes'], summary: 'Delete a volume that is not attached (202 + operation); its snapshots stay', params: api.IdParams, querystring: api.WaitQuery, headers: IdempotencyHeaders, response: opResponses },
  }, async (req, reply) => answerOperation(ctx, req, reply, await volumes.delete(principalOf(req).scope, idOf(req), idempotencyKeyOf(req))));

  app.post('/api/v1/volumes/:id/attach', {
    schema: { tags: ['volumes'], summary: 'Attach to an instance, running (hot-plug) or stopped (202 + operation)', params: api.IdParams, body: api.VolumeAttach, querystring: api.WaitQuery, headers: IdempotencyHeaders, response: opResponses },
  }, async (req, reply) => answerOperation(ctx, req, reply, await volumeDevices.attach(principalOf(req).scope, idOf(req), (req.body as api.VolumeAttach).instanceId, idempotencyKeyOf(req))));

  app.post('/api/v1/volumes/:id/detach', {
    schema: { tags: ['volumes'], summary: 'Detach from its instance (202 + operation)', params: api.IdParams, querystring: api.WaitQuery, headers: IdempotencyHeaders, response: opResponses },
  }, async (req, reply) => answerOperation(ctx, req, reply, await volumeDevices.detach(principalOf(req).scope, idOf(req), idempotencyKeyOf(req))));

  app.post('/api/v1/volumes/:id/resize', {
    schema: { tags: ['volumes'], summary: 'Grow to exactly sizeGiB, online on a running instance; shrinking is refused (202 + operation)', params: api.IdParams, body: api.VolumeResize, querystring: api.WaitQuery, headers: IdempotencyHeaders, response: opResponses },
  }, async (req, reply) => answerOperation(ctx, req, reply, await volumeDevices.resize(principalOf(req).scope, idOf(req), (req.body as api.VolumeResize).sizeGiB, idempotencyKeyOf(req))));

  app.post('/api/v1/volumes/:id/restore', {
    schema: { tags: ['volumes'], summary: 'Put the volume back to a snapshot of it; its instance must be stopped (202 + operation)', params: api.IdParams, body: api.VolumeRestore, querystring: api.WaitQuery, headers: IdempotencyHeaders, response: opResponses },
  }, async (req, reply) => answerOperation(ctx, req, reply, await volumeDevices.restore(principalOf(req).scope, idOf(req), (req.body as api.VolumeRestore).snapshotId, idempotencyKeyOf(req))));

  app.post('/api/v1/volumes/:id/snapshots', {
    schema: { tags: ['snapshots'], summary: 'Snapshot the volume (202 + operation)', params: api.IdParams, body: api.VolumeSnapshotCreate, querystring: api.WaitQuery, headers: IdempotencyHeaders, response: opResponses },
  }, async (req, reply) => answerOperation(ctx, req, reply, await snapshots.create(principalOf(req).scope, idOf(req), (req.body as api.VolumeSnapshotCreate).name, idempotencyKeyOf(req))));
}
