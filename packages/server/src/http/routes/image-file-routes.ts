import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { toImageVersion } from '../mappers.ts';
import { principalOf } from '../auth-hook.ts';

export interface ImageStoreOptions { maxImageBytes: number }

const UploadParams = Type.Object({ id: api.AnyId, version: Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9._-]+$' }) }, { additionalProperties: false });
const UploadQuery = Type.Object({
  format: api.ImageFormat,
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the body; the upload is refused if it differs' }),
  cmdline: Type.Optional(Type.String({ maxLength: 1024 })),
}, { additionalProperties: false });
const FileParams = Type.Object({ id: api.AnyId, versionId: api.AnyId }, { additionalProperties: false });
const CaptureUploadHeaders = Type.Object({ 'x-kumo-sha256': Type.Optional(Type.String({ description: 'SHA-256 of the body (lower-case hex); the upload is refused if it differs' })) });

/** Upload and download of image files; the image store service (services/image-store.ts) does the work. */
export function registerImageFileRoutes(app: FastifyInstance, ctx: ServerContext, opts: ImageStoreOptions): void {
  const store = ctx.catalog.imageStore;
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  app.put('/api/v1/images/:id/versions/:version/file', {
    bodyLimit: opts.maxImageBytes,
    schema: {
      tags: ['images'], summary: 'Upload a version of an image (raw bytes, application/octet-stream)',
      params: UploadParams, querystring: UploadQuery, response: { 201: api.ImageVersion, ...errorResponses, 413: api.ErrorResponse },
    },
  }, async (req, reply) => {
    const { id, version } = req.params as { id: string; version: string };
    const q = req.query as { format: api.ImageVersion['format']; sha256: string; cmdline?: string };
    const row = await store.upload(principalOf(req).scope, id, { version, format: q.format, sha256: q.sha256, cmdline: q.cmdline }, req.body as Readable | undefined);
    return reply.status(201).send(toImageVersion(row, row.id));
  });

  app.put('/api/v1/images/:id/versions/:versionId/upload', {
    bodyLimit: opts.maxImageBytes,
    config: { agentAllowed: true },
    schema: {
      tags: ['images'], summary: 'A host uploads the file of a version being captured (agents only; raw body, x-kumo-sha256 header)',
      params: FileParams, headers: CaptureUploadHeaders, response: { 200: api.ImageVersionUploadResult, ...errorResponses, 413: api.ErrorResponse },
    },
  }, async (req) => {
    const p = principalOf(req);
    if (p.role !== 'agent') throw new api.ApiError('forbidden', 'only hosts upload captured image files');
    const { id, versionId } = req.params as { id: string; versionId: string };
    return store.receiveCapture(p.keyId, id, versionId, req.headers['x-kumo-sha256'] as string | undefined, req.body as Readable | undefined);
  });

  app.get('/api/v1/images/:id/versions/:versionId/file', {
    config: { agentAllowed: true },
    schema: { tags: ['images'], summary: 'Download an image version (agents use their host token)', params: FileParams, response: { 200: Type.Unknown(), ...errorResponses } },
  }, async (req, reply) => {
    const { id, versionId } = req.params as { id: string; versionId: string };
    const v = await store.file(principalOf(req).scope, id, versionId);
    const st = statSync(v.storagePath);
    void reply.header('content-type', 'application/octet-stream').header('content-length', String(st.size)).header('x-kumo-sha256', v.sha256);
    return reply.send(createReadStream(v.storagePath));
  });
}
