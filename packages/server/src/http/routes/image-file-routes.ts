import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { newId } from '@kumo/core';
import * as api from '@kumo/api';
import { ApiError } from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { nowIso } from '../../context.ts';
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

/**
 * The image store (secondary storage) kept by the server in its data directory: uploads stream to a
 * temporary file while hashing, are size-limited, and become a ready version only if the SHA-256
 * matches; agents download versions with their host token.
 */
export function registerImageFileRoutes(app: FastifyInstance, ctx: ServerContext, opts: ImageStoreOptions): void {
  const dir = join(ctx.dataDir, 'images');
  mkdirSync(dir, { recursive: true });
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  app.put('/api/v1/images/:id/versions/:version/file', {
    bodyLimit: opts.maxImageBytes,
    schema: {
      tags: ['images'], summary: 'Upload a version of an image (raw bytes, application/octet-stream)',
      params: UploadParams, querystring: UploadQuery, response: { 201: api.ImageVersion, ...errorResponses, 413: api.ErrorResponse },
    },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { id, version } = req.params as { id: string; version: string };
    const q = req.query as { format: api.ImageVersion['format']; sha256: string; cmdline?: string };
    const image = await ctx.repos.images.getForWrite(p.scope, id);
    if (!image) throw new ApiError('not_found', `image ${id} not found`);
    const taken = await ctx.repos.db.selectFrom('imageVersions').select('id').where('imageId', '=', id).where('version', '=', version).executeTakeFirst();
    if (taken) throw new ApiError('conflict', `image ${image.name} already has a version ${version}`, { field: 'version' });
    const body = req.body as Readable | undefined;
    if (!body || typeof (body as Readable).pipe !== 'function') throw new ApiError('bad_request', 'send the image as the request body with content-type application/octet-stream');
    const versionId = newId('imageVersion');
    const partial = join(dir, `${versionId}.partial`);
    const final = join(dir, versionId);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > opts.maxImageBytes) { cb(new ApiError('payload_too_large', `image larger than the limit of ${opts.maxImageBytes} bytes`)); return; }
        hash.update(chunk); cb(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(partial, { flags: 'wx' }));
      const got = hash.digest('hex');
      if (got !== q.sha256) throw new ApiError('bad_request', `checksum mismatch: the body has sha256 ${got}, not ${q.sha256} (truncated or corrupt upload)`, { field: 'sha256' });
      if (size === 0) throw new ApiError('bad_request', 'empty image', { field: 'body' });
      renameSync(partial, final);
    } catch (e) {
      rmSync(partial, { force: true });
      if (e instanceof ApiError) throw e;
      throw new ApiError('bad_request', `upload failed: ${(e as Error).message}`);
    }
    const row = { id: versionId, imageId: id, version, format: q.format, sizeBytes: size, sha256: q.sha256, state: 'ready' as const, cmdline: q.cmdline ?? '', storagePath: final, createdAt: nowIso(ctx.clock) };
    try {
      await ctx.repos.imageVersions.insert(row);
    } catch (e) {
      rmSync(final, { force: true });
      if (/unique|duplicate/i.test(String(e))) throw new ApiError('conflict', `image ${image.name} already has a version ${version}`, { field: 'version' });
      throw e;
    }
    await ctx.events.record({ accountId: image.accountId, resourceType: 'image', resourceId: id, kind: 'image.version.uploaded', message: `version ${version} of ${image.name} uploaded (${size} bytes)` });
    return reply.status(201).send(toImageVersion(row));
  });

  app.get('/api/v1/images/:id/versions/:versionId/file', {
    config: { agentAllowed: true },
    schema: { tags: ['images'], summary: 'Download an image version (agents use their host token)', params: FileParams, response: { 200: Type.Unknown(), ...errorResponses } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { id, versionId } = req.params as { id: string; versionId: string };
    const image = await ctx.repos.images.get(p.scope, id);
    if (!image) throw new ApiError('not_found', `image ${id} not found`);
    const v = await ctx.repos.db.selectFrom('imageVersions').selectAll().where('id', '=', versionId).where('imageId', '=', id).executeTakeFirst();
    if (!v || v.state !== 'ready' || !v.storagePath) throw new ApiError('not_found', `image version ${versionId} has no stored file`);
    const st = statSync(v.storagePath);
    void reply.header('content-type', 'application/octet-stream').header('content-length', String(st.size)).header('x-kumo-sha256', v.sha256);
    return reply.send(createReadStream(v.storagePath));
  });
}
