import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { newId } from '@kumo/core';
import * as api from '@kumo/api';
import { ApiError } from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { nowIso } from '../../context.ts';
import { errorResponses, registerCrud, uniquely } from '../crud-routes.ts';
import { toAccount, toAffinityGroup, toKeypair } from '../mappers.ts';
import { principalOf, sessionCookieName } from '../auth-hook.ts';

function sshFingerprint(publicKey: string): string {
  const b64 = publicKey.split(' ')[1] ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** Login, accounts, API keys, SSH key pairs, affinity groups. */
export function registerTenancyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { repos } = ctx;
  const now = () => nowIso(ctx.clock);

  app.post('/api/v1/auth/login', {
    config: { public: true },
    schema: { tags: ['auth'], summary: 'Log in with a password; returns a session token and sets a session cookie', body: api.LoginRequest, response: { 200: api.TokenResponse, ...errorResponses } },
  }, async (req, reply) => {
    const b = req.body as { username: string; password: string };
    const s = await ctx.auth.login(b.username, b.password);
    void reply.header('set-cookie', `${sessionCookieName}=${encodeURIComponent(s.token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${12 * 3600}`);
    return { token: s.token, expiresAt: s.expiresAt, accountId: s.principal.scope.accountId, username: s.principal.username, role: s.principal.role };
  });

  app.post('/api/v1/auth/logout', {
    schema: { tags: ['auth'], summary: 'End this session', response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    const p = principalOf(req);
    await ctx.auth.revoke(p.scope, p.keyId);
    void reply.header('set-cookie', `${sessionCookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return reply.status(204).send();
  });

  app.get('/api/v1/auth/whoami', {
    schema: { tags: ['auth'], summary: 'Who the credentials belong to', response: { 200: Type.Object({ accountId: Type.String(), username: Type.String(), role: Type.String() }), ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    return { accountId: p.scope.accountId, username: p.username, role: p.role };
  });

  registerCrud(app, {
    path: 'accounts', noun: 'account', tag: 'auth', repo: repos.accounts, schema: api.Account, toApi: toAccount, adminRead: true, adminWrite: true,
    create: {
      schema: api.AccountCreate,
      handler: async (_p, b) => {
        const id = await ctx.auth.createAccount({ name: b.name, role: b.role ?? 'user', username: b.username, password: b.password });
        return (await repos.accounts.get({ accountId: id, admin: true }, id))!;
      },
    },
  });

  const toKey = (r: { id: string; name: string; accountId: string; createdAt: string; lastUsedAt: string | null; expiresAt: string | null }) =>
    ({ id: r.id, name: r.name, accountId: r.accountId, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, expiresAt: r.expiresAt });
  app.get('/api/v1/api-keys', {
    schema: { tags: ['auth'], summary: 'Your API keys', querystring: Type.Object(api.ListQueryBase, { additionalProperties: false }), response: { 200: api.ListOf(api.ApiKey), ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    const q = req.query as { limit?: number; cursor?: string; sort?: string };
    const page = await repos.apiKeys.list({ accountId: p.scope.accountId, admin: false }, q, { kind: 'key' });
    return { items: page.items.map(toKey), nextCursor: page.nextCursor };
  });
  app.post('/api/v1/api-keys', {
    schema: { tags: ['auth'], summary: 'Create an API key; the secret is shown once', body: api.ApiKeyCreate, response: { 201: api.ApiKey, ...errorResponses } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const b = req.body as { name: string; ttlSeconds?: number };
    const expiresAt = b.ttlSeconds ? new Date(ctx.clock.now() + b.ttlSeconds * 1000).toISOString() : null;
    const { token, keyId } = await ctx.auth.issueKey(p.scope.accountId, null, b.name, 'key', expiresAt);
    return reply.status(201).send({ id: keyId, name: b.name, accountId: p.scope.accountId, createdAt: now(), lastUsedAt: null, expiresAt, secret: token });
  });
  app.delete('/api/v1/api-keys/:id', {
    schema: { tags: ['auth'], summary: 'Revoke an API key', params: api.IdParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    if (!(await ctx.auth.revoke({ accountId: p.scope.accountId, admin: false }, id))) throw new ApiError('not_found', `API key ${id} not found`);
    return reply.status(204).send();
  });

  registerCrud(app, {
    path: 'keypairs', noun: 'key pair', tag: 'instances', repo: repos.keypairs, schema: api.Keypair, toApi: toKeypair,
    filters: { name: Type.String({ maxLength: 63 }) },
    create: {
      schema: api.KeypairCreate,
      handler: async (p, b) => {
        const row = { id: newId('keypair'), accountId: p.scope.accountId, name: b.name, publicKey: b.publicKey.trim(), fingerprint: sshFingerprint(b.publicKey), createdAt: now() };
        await uniquely('name', `key pair ${b.name}`, () => repos.keypairs.insert(row));
        return row;
      },
    },
    delete: {},
  });

  registerCrud(app, {
    path: 'affinity-groups', noun: 'affinity group', tag: 'instances', repo: repos.affinityGroups, schema: api.AffinityGroup, toApi: toAffinityGroup,
    create: {
      schema: api.AffinityGroupCreate,
      handler: async (p, b) => {
        const row = { id: newId('affinityGroup'), accountId: p.scope.accountId, name: b.name, policy: b.policy, createdAt: now() };
        await uniquely('name', `affinity group ${b.name}`, () => repos.affinityGroups.insert(row));
        return row;
      },
    },
    delete: {
      check: async (_p, row) => {
        const n = await repos.affinityGroups.countReferences('affinityMembers', 'groupId', row.id);
        if (n > 0) throw new ApiError('in_use', `affinity group ${row.name} still has ${n} instances`);
      },
    },
  });
}
