import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses, registerCrud } from '../crud-routes.ts';
import { toDiskOffering, toImage, toImageVersion, toOffering } from '../mappers.ts';
import { principalOf } from '../auth-hook.ts';

/** Images and their versions, compute offerings, disk offerings. The work is the catalog services'. */
export function registerCatalogRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { repos } = ctx;
  const { images, offerings } = ctx.catalog;

  registerCrud(app, {
    path: 'images', noun: 'image', tag: 'images', repo: repos.images, schema: api.Image, toApi: async (r) => toImage(r, await images.latestVersionId(r.id), await images.defaultVersionId(r)),
    filters: { name: Type.String({ maxLength: 63 }), kind: api.ImageKind },
    create: { schema: api.ImageCreate, handler: (p, b) => images.create(p.scope, b) },
    update: { schema: api.ImageUpdate, handler: (p, row, b) => images.update(p.scope, row, b) },
    delete: { handler: (p, id) => images.delete(p.scope, id) },
  });

  const VersionParams = Type.Object({ id: api.AnyId }, { additionalProperties: false });
  app.get('/api/v1/images/:id/versions', {
    schema: { tags: ['images'], summary: 'Versions of an image', params: VersionParams, response: { 200: api.ListOf(api.ImageVersion), ...errorResponses } },
  }, async (req) => {
    const scope = principalOf(req).scope;
    const image = await images.get(scope, (req.params as { id: string }).id);
    const [rows, defaultId] = await Promise.all([images.versions(scope, image.id), images.defaultVersionId(image)]);
    return { items: rows.map((v) => toImageVersion(v, defaultId)), nextCursor: null };
  });

  app.post('/api/v1/images/:id/versions', {
    schema: { tags: ['images'], summary: 'Register a version of an image (metadata; file upload is separate)', params: VersionParams, body: api.ImageVersionCreate, response: { 201: api.ImageVersion, ...errorResponses } },
  }, async (req, reply) => {
    const row = await images.registerVersion(principalOf(req).scope, (req.params as { id: string }).id, req.body as api.ImageVersionCreate);
    return reply.status(201).send(toImageVersion(row, row.id));
  });

  registerCrud(app, {
    path: 'offerings', noun: 'offering', tag: 'offerings', repo: repos.offerings, schema: api.Offering, toApi: toOffering, adminWrite: true,
    filters: { name: Type.String({ maxLength: 63 }) },
    create: { schema: api.OfferingCreate, handler: (_p, b) => offerings.create(b) },
    delete: { handler: (p, id) => offerings.delete(p.scope, id) },
  });

  registerCrud(app, {
    path: 'disk-offerings', noun: 'disk offering', tag: 'offerings', repo: repos.diskOfferings, schema: api.DiskOffering, toApi: toDiskOffering, adminWrite: true,
    filters: { name: Type.String({ maxLength: 63 }) },
    create: { schema: api.DiskOfferingCreate, handler: (_p, b) => offerings.createDisk(b) },
    delete: { handler: (p, id) => offerings.deleteDisk(p.scope, id) },
  });
}
