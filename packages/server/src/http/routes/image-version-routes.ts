import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { toImageVersion } from '../mappers.ts';
import { principalOf } from '../auth-hook.ts';
import { answerOperation, IdempotencyHeaders, idempotencyKeyOf } from '../operation-answer.ts';

const VersionParams = Type.Object({ id: api.AnyId, versionId: api.AnyId }, { additionalProperties: false });

/** Capture, default version, rollback, version delete. The work is the image services'. */
export function registerImageVersionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { imageCapture, imageVersions, instanceConvert } = ctx.catalog;

  app.post('/api/v1/instances/:id/capture', {
    schema: {
      tags: ['images'], summary: 'Capture an image from a stopped instance\'s root volume (202 + operation; a new version when the name exists)',
      params: api.IdParams, body: api.ImageCapture, querystring: api.WaitQuery, headers: IdempotencyHeaders,
      response: { 200: api.Operation, 202: api.Operation, ...errorResponses },
    },
  }, async (req, reply) => {
    const op = await imageCapture.capture(principalOf(req).scope, (req.params as { id: string }).id, req.body as api.ImageCapture, idempotencyKeyOf(req));
    return answerOperation(ctx, req, reply, op);
  });

  app.post('/api/v1/instances/:id/convert', {
    schema: {
      tags: ['instances'], summary: 'KVM → LXC: make a container of a stopped VM (202 + operation; the container takes its name, NICs and IPs; the VM stays stopped, renamed <name>-vm)',
      params: api.IdParams, body: api.InstanceConvert, querystring: api.WaitQuery, headers: IdempotencyHeaders,
      response: { 200: api.Operation, 202: api.Operation, ...errorResponses },
    },
  }, async (req, reply) => {
    const op = await instanceConvert.convert(principalOf(req).scope, (req.params as { id: string }).id, req.body as api.InstanceConvert, idempotencyKeyOf(req));
    return answerOperation(ctx, req, reply, op);
  });

  app.post('/api/v1/snapshots/:id/capture', {
    schema: {
      tags: ['images'], summary: 'Capture an image from a ready snapshot (202 + operation; a new version when the name exists)',
      params: api.IdParams, body: api.ImageCapture, querystring: api.WaitQuery, headers: IdempotencyHeaders,
      response: { 200: api.Operation, 202: api.Operation, ...errorResponses },
    },
  }, async (req, reply) => {
    const op = await imageCapture.captureSnapshot(principalOf(req).scope, (req.params as { id: string }).id, req.body as api.ImageCapture, idempotencyKeyOf(req));
    return answerOperation(ctx, req, reply, op);
  });

  app.post('/api/v1/images/:id/default', {
    schema: { tags: ['images'], summary: 'Make a ready version the image\'s default', params: api.IdParams, body: api.ImageDefaultRequest, response: { 200: api.ImageVersion, ...errorResponses } },
  }, async (req) => {
    const v = await imageVersions.setDefault(principalOf(req).scope, (req.params as { id: string }).id, (req.body as api.ImageDefaultRequest).versionId);
    return toImageVersion(v, v.id);
  });

  app.post('/api/v1/images/:id/rollback', {
    schema: { tags: ['images'], summary: 'Make an older version the default again (the one named, or the default\'s parent)', params: api.IdParams, body: Type.Optional(api.ImageRollbackRequest), response: { 200: api.ImageVersion, ...errorResponses } },
  }, async (req) => {
    const v = await imageVersions.rollback(principalOf(req).scope, (req.params as { id: string }).id, (req.body as api.ImageRollbackRequest | undefined)?.versionId);
    return toImageVersion(v, v.id);
  });

  app.delete('/api/v1/images/:id/versions/:versionId', {
    schema: {
      tags: ['images'], summary: 'Delete a version and its file (409 while instances use it; the default needs newDefaultVersionId while others exist)',
      params: VersionParams, querystring: api.ImageVersionDeleteQuery, response: { 204: Type.Null(), ...errorResponses },
    },
  }, async (req, reply) => {
    const { id, versionId } = req.params as { id: string; versionId: string };
    await imageVersions.deleteVersion(principalOf(req).scope, id, versionId, (req.query as { newDefaultVersionId?: string }).newDefaultVersionId);
    return reply.status(204).send();
  });
}
