import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { newId } from '@kumo/core';
import * as api from '@kumo/api';
import { ApiError } from '@kumo/api';
import type { ImageRow } from '@kumo/db';
import type { ServerContext } from '../../context.ts';
import { nowIso } from '../../context.ts';
import { errorResponses, refuseIfReferenced, registerCrud, uniquely } from '../crud-routes.ts';
import { toDiskOffering, toImage, toImageVersion, toOffering } from '../mappers.ts';
import { principalOf } from '../auth-hook.ts';

/** Images and their versions, compute offerings, disk offerings. */
export function registerCatalogRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { repos } = ctx;
  const now = () => nowIso(ctx.clock);
  const latest = async (imageId: string) => (await repos.db.selectFrom('imageVersions').select('id').where('imageId', '=', imageId)
    .where('state', '=', 'ready').orderBy('id', 'desc').limit(1).executeTakeFirst())?.id ?? null;

  registerCrud(app, {
    path: 'images', noun: 'image', tag: 'images', repo: repos.images, schema: api.Image, toApi: async (r) => toImage(r, await latest(r.id)),
    filters: { name: Type.String({ maxLength: 63 }), kind: api.ImageKind },
    create: {
      schema: api.ImageCreate,
      handler: async (p, b) => {
        if (b.public && !p.scope.admin) throw new ApiError('forbidden', 'only admins publish public images', { field: 'public' });
        const row: ImageRow = {
          id: newId('image'), accountId: p.scope.accountId, name: b.name, description: b.description ?? '', kind: b.kind ?? 'template',
          public: b.public ? 1 : 0, osType: b.osType ?? 'linux', minDiskGiB: b.minDiskGiB ?? 1, createdAt: now(),
        };
        await uniquely('name', `image ${b.name}`, () => repos.images.insert(row));
        return row;
      },
    },
    delete: {
      check: async (_p, row) => {
        const used = await repos.db.selectFrom('instances').select('id').where('imageId', '=', row.id).where('phase', '!=', 'deleted').limit(1).executeTakeFirst();
        if (used) throw new ApiError('in_use', `image ${row.name} is used by instance ${used.id}`);
        await repos.db.deleteFrom('imageVersions').where('imageId', '=', row.id).execute();
      },
    },
  });

  const VersionParams = Type.Object({ id: api.AnyId }, { additionalProperties: false });
  app.get('/api/v1/images/:id/versions', {
    schema: { tags: ['images'], summary: 'Versions of an image', params: VersionParams, response: { 200: api.ListOf(api.ImageVersion), ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    if (!(await repos.images.get(p.scope, id))) throw new ApiError('not_found', `image ${id} not found`);
    const rows = await repos.db.selectFrom('imageVersions').selectAll().where('imageId', '=', id).orderBy('id').execute();
    return { items: rows.map(toImageVersion), nextCursor: null };
  });

  app.post('/api/v1/images/:id/versions', {
    schema: { tags: ['images'], summary: 'Register a version of an image (metadata; file upload is separate)', params: VersionParams, body: api.ImageVersionCreate, response: { 201: api.ImageVersion, ...errorResponses } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    const image = await repos.images.getForWrite(p.scope, id);
    if (!image) throw new ApiError('not_found', `image ${id} not found`);
    const b = req.body as api.ImageVersionCreate;
    const row = {
      id: newId('imageVersion'), imageId: id, version: b.version, format: b.format, sizeBytes: b.sizeBytes, sha256: b.sha256,
      state: 'ready' as const, cmdline: b.cmdline ?? '', storagePath: '', createdAt: now(),
    };
    await uniquely('version', `version ${b.version} of image ${image.name}`, () => repos.imageVersions.insert(row));
    return reply.status(201).send(toImageVersion(row));
  });

  registerCrud(app, {
    path: 'offerings', noun: 'offering', tag: 'offerings', repo: repos.offerings, schema: api.Offering, toApi: toOffering, adminWrite: true,
    filters: { name: Type.String({ maxLength: 63 }) },
    create: {
      schema: api.OfferingCreate,
      handler: async (_p, b) => {
        const row = {
          id: newId('offering'), name: b.name, description: b.description ?? '', vcpus: b.vcpus, memoryMiB: b.memoryMiB, rootDiskGiB: b.rootDiskGiB,
          qosClass: b.qosClass ?? 'guaranteed' as const, ha: b.ha ? 1 : 0, diskProvisioning: b.diskProvisioning ?? 'linked' as const,
          stopTimeoutSec: b.stopTimeoutSec ?? 60, createdAt: now(),
        };
        await uniquely('name', `offering ${b.name}`, () => repos.offerings.insert(row));
        return row;
      },
    },
    delete: { check: (_p, row) => refuseIfReferenced(repos.offerings, [['instances', 'offeringId', 'instances']], row.id, 'offering') },
  });

  registerCrud(app, {
    path: 'disk-offerings', noun: 'disk offering', tag: 'offerings', repo: repos.diskOfferings, schema: api.DiskOffering, toApi: toDiskOffering, adminWrite: true,
    create: {
      schema: api.DiskOfferingCreate,
      handler: async (_p, b) => {
        const row = { id: newId('diskOffering'), name: b.name, description: b.description ?? '', sizeGiB: b.sizeGiB, qosClass: b.qosClass ?? 'guaranteed' as const, createdAt: now() };
        await uniquely('name', `disk offering ${b.name}`, () => repos.diskOfferings.insert(row));
        return row;
      },
    },
    delete: {},
  });
}
