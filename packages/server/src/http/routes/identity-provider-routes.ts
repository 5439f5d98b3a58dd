import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { IdentityProviderRow } from '@kumo/db';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { requireAdmin } from '../auth-hook.ts';

/** The bind password never leaves the server. */
export const toIdentityProvider = (r: IdentityProviderRow): api.IdentityProvider => ({
  id: r.id, name: r.name, kind: r.kind, domainId: r.domainId, enabled: r.enabled === 1,
  url: r.url, startTls: r.startTls === 1, tlsCaFile: r.tlsCaFile, tlsVerify: r.tlsVerify === 1,
  bindDn: r.bindDn, bindPasswordSet: r.bindPassword !== '',
  userSearchBase: r.userSearchBase, userFilter: r.userFilter, groupSearchBase: r.groupSearchBase, groupFilter: r.groupFilter,
  groupMappings: JSON.parse(r.groupMappings) as api.GroupMapping[], timeoutMs: r.timeoutMs, createdAt: r.createdAt,
});

const IdOrName = Type.Object({ id: Type.String({ minLength: 1, maxLength: 63, description: 'id or name' }) }, { additionalProperties: false });

/** Identity providers (LDAP directories users log in with): admins only. `:id` takes an id or a name. */
export function registerIdentityProviderRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const idps = ctx.auth.identityProviders;
  const tags = ['auth'];
  app.get('/api/v1/identity-providers', {
    schema: { tags, summary: 'Identity providers (admins)', querystring: Type.Object(api.ListQueryBase, { additionalProperties: false }), response: { 200: api.ListOf(api.IdentityProvider), ...errorResponses } },
  }, async (req) => {
    requireAdmin(req);
    const page = await idps.list(req.query as { limit?: number; cursor?: string; sort?: string });
    return { items: page.items.map(toIdentityProvider), nextCursor: page.nextCursor };
  });
  app.get('/api/v1/identity-providers/:id', {
    schema: { tags, summary: 'One identity provider (admins)', params: IdOrName, response: { 200: api.IdentityProvider, ...errorResponses } },
  }, async (req) => {
    requireAdmin(req);
    return toIdentityProvider(await idps.get((req.params as { id: string }).id));
  });
  app.post('/api/v1/identity-providers', {
    schema: { tags, summary: 'Add an LDAP directory users can log in with (admins)', body: api.IdentityProviderCreate, response: { 201: api.IdentityProvider, ...errorResponses } },
  }, async (req, reply) => {
    requireAdmin(req);
    return reply.status(201).send(toIdentityProvider(await idps.create(req.body as api.IdentityProviderCreate)));
  });
  app.patch('/api/v1/identity-providers/:id', {
    schema: { tags, summary: 'Change an identity provider (admins)', params: IdOrName, body: api.IdentityProviderUpdate, response: { 200: api.IdentityProvider, ...errorResponses } },
  }, async (req) => {
    requireAdmin(req);
    return toIdentityProvider(await idps.update((req.params as { id: string }).id, req.body as api.IdentityProviderUpdate));
  });
  app.delete('/api/v1/identity-providers/:id', {
    schema: { tags, summary: 'Remove an identity provider; its users keep their accounts but cannot log in (admins)', params: IdOrName, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    requireAdmin(req);
    await idps.delete((req.params as { id: string }).id);
    return reply.status(204).send();
  });
  app.post('/api/v1/identity-providers/:id/test', {
    schema: {
      tags, summary: 'Look a user up in the directory (no password): their DN, groups, and the role and account they would get (admins)',
      params: IdOrName, body: api.IdentityProviderTestRequest, response: { 200: api.IdentityProviderTestResult, ...errorResponses },
    },
  }, async (req) => {
    requireAdmin(req);
    return idps.test((req.params as { id: string }).id, (req.body as { username: string }).username);
  });
}
