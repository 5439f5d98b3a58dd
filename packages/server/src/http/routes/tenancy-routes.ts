import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses, registerCrud } from '../crud-routes.ts';
import { toAffinityGroup, toApiKey, toKeypair } from '../mappers.ts';
import { principalOf, sessionCookieName } from '../auth-hook.ts';
import { registerIdentityProviderRoutes } from './identity-provider-routes.ts';
import { registerTenancyAdminRoutes } from './tenancy-admin-routes.ts';

/** Login, accounts (and the rest of tenancy: tenancy-admin-routes.ts), API keys, SSH key pairs, affinity groups. */
export function registerTenancyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { repos } = ctx;
  const { apiKeys, keypairs } = ctx.catalog;
  registerIdentityProviderRoutes(app, ctx);

  app.post('/api/v1/auth/login', {
    config: { public: true },
    schema: { tags: ['auth'], summary: 'Log in with a password; returns a session token and sets a session cookie', body: api.LoginRequest, response: { 200: api.TokenResponse, ...errorResponses } },
  }, async (req, reply) => {
    const b = req.body as { username: string; password: string };
    const s = await ctx.auth.login(b.username, b.password, req.ip);
    void reply.header('set-cookie', `${sessionCookieName}=${encodeURIComponent(s.token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${12 * 3600}`);
    return { token: s.token, expiresAt: s.expiresAt, accountId: s.principal.scope.accountId, username: s.principal.username, role: s.principal.role };
  });

  app.post('/api/v1/auth/logout', {
    config: { readOnlyAllowed: true },
    schema: { tags: ['auth'], summary: 'End this session', response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    const p = principalOf(req);
    await ctx.auth.revoke(p.scope, p.keyId);
    void reply.header('set-cookie', `${sessionCookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return reply.status(204).send();
  });

  app.get('/api/v1/auth/whoami', {
    schema: {
      tags: ['auth'], summary: 'Who the credentials belong to',
      response: { 200: Type.Object({ accountId: Type.String(), username: Type.String(), role: Type.String(), readOnly: Type.Boolean() }), ...errorResponses },
    },
  }, async (req) => {
    const p = principalOf(req);
    return { accountId: p.scope.accountId, username: p.username, role: p.role, readOnly: p.readOnly };
  });

  app.post('/api/v1/auth/password', {
    config: { readOnlyAllowed: true },
    schema: {
      tags: ['auth'], summary: 'Change your password (oldPassword required), or as an admin reset another user\'s; other sessions of that user end',
      body: api.PasswordChange, response: { 204: Type.Null(), ...errorResponses },
    },
  }, async (req, reply) => {
    await ctx.auth.changePassword(principalOf(req), req.body as api.PasswordChange);
    return reply.status(204).send();
  });

  registerTenancyAdminRoutes(app, ctx);

  app.get('/api/v1/api-keys', {
    schema: {
      tags: ['auth'], summary: 'Your account\'s API keys; admins: another account\'s (accountId) or everyone\'s (all=true)',
      querystring: Type.Object({ ...api.ListQueryBase, accountId: Type.Optional(Type.String({ maxLength: 64 })), all: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: api.ListOf(api.ApiKey), ...errorResponses },
    },
  }, async (req) => {
    const { accountId, all, ...q } = req.query as { limit?: number; cursor?: string; sort?: string; accountId?: string; all?: boolean };
    const target = all ? { kind: 'all' as const } : accountId ? { kind: 'account' as const, accountId } : { kind: 'own' as const };
    const page = await apiKeys.list(principalOf(req), q, target);
    return { items: page.items.map((r) => toApiKey(r)), nextCursor: page.nextCursor };
  });
  app.post('/api/v1/api-keys', {
    config: { readOnlyAllowed: true }, // read-only callers get read-only keys (the service decides)
    schema: { tags: ['auth'], summary: 'Create an API key; the secret is shown once', body: api.ApiKeyCreate, response: { 201: api.ApiKey, ...errorResponses } },
  }, async (req, reply) => {
    const { row, token } = await apiKeys.create(principalOf(req), req.body as api.ApiKeyCreate);
    return reply.status(201).send(toApiKey(row, token));
  });
  app.delete('/api/v1/api-keys/:id', {
    schema: { tags: ['auth'], summary: 'Revoke an API key (admins: any account\'s key or session)', params: api.IdParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    await apiKeys.revoke(principalOf(req), (req.params as { id: string }).id);
    return reply.status(204).send();
  });

  registerCrud(app, {
    path: 'keypairs', noun: 'key pair', tag: 'instances', repo: repos.keypairs, schema: api.Keypair, toApi: toKeypair,
    filters: { name: Type.String({ maxLength: 63 }) },
    create: { schema: api.KeypairCreate, handler: (p, b) => keypairs.createKeypair(p.scope, b) },
    delete: { handler: (p, id) => keypairs.deleteKeypair(p.scope, id) },
  });

  registerCrud(app, {
    path: 'affinity-groups', noun: 'affinity group', tag: 'instances', repo: repos.affinityGroups, schema: api.AffinityGroup, toApi: toAffinityGroup,
    filters: { name: Type.String({ maxLength: 63 }) },
    create: { schema: api.AffinityGroupCreate, handler: (p, b) => keypairs.createAffinityGroup(p.scope, b) },
    delete: { handler: (p, id) => keypairs.deleteAffinityGroup(p.scope, id) },
  });
}
