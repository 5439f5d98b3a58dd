import { Type, type TSchema, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, ErrorResponse, IdParams, ListOf, ListQueryBase, NamePrefix } from '@kumo/api';
import type { CrudRepo, Database } from '@kumo/db';
import { principalOf, requireAdmin } from './auth-hook.ts';
import type { Principal } from '../services/auth-service.ts';

export const errorResponses = {
  400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse,
};

export interface CrudSpec<T extends keyof Database, S extends TSchema, C extends TSchema, U extends TSchema> {
  /** URL segment under /api/v1, e.g. 'zones'. */
  path: string;
  /** Singular noun for messages, e.g. 'zone'. */
  noun: string;
  tag: string;
  repo: CrudRepo<T>;
  schema: S;
  toApi: (row: Database[T]) => Static<S> | Promise<Static<S>>;
  /** Extra query filters beyond limit/cursor/sort. */
  filters?: Record<string, TSchema>;
  adminRead?: boolean;
  adminWrite?: boolean;
  create?: { schema: C; handler: (p: Principal, body: Static<C>) => Promise<Database[T]> };
  update?: { schema: U; handler: (p: Principal, row: Database[T], body: Static<U>) => Promise<Database[T]> };
  /**
   * `check`: throw (e.g. in_use) to refuse a delete, which then removes the row; `handler`: a service
   * that does the whole delete instead. Omit `delete` entirely for resources that cannot be deleted.
   */
  delete?: { check?: (p: Principal, row: Database[T]) => Promise<void>; handler?: (p: Principal, id: string) => Promise<void> };
}

/** The list/get/create/update/delete routes of a plain resource, all with the same conventions. */
export function registerCrud<T extends keyof Database, S extends TSchema, C extends TSchema, U extends TSchema>(
  app: FastifyInstance, spec: CrudSpec<T, S, C, U>,
): void {
  const base = `/api/v1/${spec.path}`;
  const reader = (req: FastifyRequest) => (spec.adminRead ? requireAdmin(req) : principalOf(req));
  const writer = (req: FastifyRequest) => (spec.adminWrite ? requireAdmin(req) : principalOf(req));
  const filters = Object.fromEntries(Object.entries(spec.filters ?? {}).map(([k, v]) => [k, Type.Optional(v)]));
  if (spec.filters && 'name' in spec.filters) filters.namePrefix = Type.Optional(NamePrefix);
  const ListQuery = Type.Object({ ...ListQueryBase, ...filters }, { additionalProperties: false });
  const load = async (p: Principal, id: string, forWrite: boolean) => {
    const row = forWrite ? await spec.repo.getForWrite(p.scope, id) : await spec.repo.get(p.scope, id);
    if (!row) throw new ApiError('not_found', `${spec.noun} ${id} not found`);
    return row;
  };

  app.get(base, {
    schema: { tags: [spec.tag], summary: `List ${spec.path}`, querystring: ListQuery, response: { 200: ListOf(spec.schema), ...errorResponses } },
  }, async (req) => {
    const p = reader(req);
    const { limit, cursor, sort, ...filters } = req.query as Record<string, unknown>;
    const page = await spec.repo.list(p.scope, { limit: limit as number, cursor: cursor as string, sort: sort as string }, filters);
    return { items: await Promise.all(page.items.map((r) => spec.toApi(r as Database[T]))), nextCursor: page.nextCursor };
  });

  app.get(`${base}/:id`, {
    schema: { tags: [spec.tag], summary: `Show one ${spec.noun}`, params: IdParams, response: { 200: spec.schema, ...errorResponses } },
  }, async (req) => spec.toApi(await load(reader(req), (req.params as { id: string }).id, false)));

  if (spec.create) {
    const c = spec.create;
    app.post(base, {
      schema: { tags: [spec.tag], summary: `Create a ${spec.noun}`, body: c.schema, response: { 201: spec.schema, ...errorResponses } },
    }, async (req, reply) => {
      const row = await c.handler(writer(req), req.body as Static<C>);
      return reply.status(201).send(await spec.toApi(row));
    });
  }

  if (spec.update) {
    const u = spec.update;
    app.patch(`${base}/:id`, {
      schema: { tags: [spec.tag], summary: `Change a ${spec.noun}`, params: IdParams, body: u.schema, response: { 200: spec.schema, ...errorResponses } },
    }, async (req) => {
      const p = writer(req);
      const row = await load(p, (req.params as { id: string }).id, true);
      return spec.toApi(await u.handler(p, row, req.body as Static<U>));
    });
  }

  if (spec.delete) {
    const d = spec.delete;
    app.delete(`${base}/:id`, {
      schema: { tags: [spec.tag], summary: `Delete a ${spec.noun}`, params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    }, async (req, reply) => {
      const p = writer(req);
      const id = (req.params as { id: string }).id;
      if (d.handler) {
        await d.handler(p, id);
      } else {
        const row = await load(p, id, true);
        await d.check?.(p, row);
        await spec.repo.delete(p.scope, (row as { id: string }).id);
      }
      return reply.status(204).send();
    });
  }
}

export { uniquely } from '../services/unique-insert.ts';

/** Refuse when other rows still point here. */
export async function refuseIfReferenced<T extends keyof Database>(repo: CrudRepo<T>, checks: Array<[keyof Database, string, string]>, id: string, noun: string): Promise<void> {
  for (const [table, column, label] of checks) {
    const n = await repo.countReferences(table, column, id);
    if (n > 0) throw new ApiError('in_use', `${noun} ${id} still has ${n} ${label}; delete them first`, { references: label, count: n });
  }
}
