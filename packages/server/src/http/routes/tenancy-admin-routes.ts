import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as api from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { principalOf } from '../auth-hook.ts';
import { toAccountView, toDomain, toProject, toRole, toUser } from '../tenancy-mappers.ts';
import { reapAccount, type ReaperServices } from '../../services/account-reaper.ts';
import { createNetworkServices } from './network-route-helpers.ts';

/** The services a cascade deletes through. */
function reaperOf(ctx: ServerContext): ReaperServices {
  const net = createNetworkServices(ctx);
  return {
    repos: ctx.repos,
    deleteInstance: (scope, id) => ctx.instances.act(scope, id, 'delete', {}),
    deleteVolume: (scope, id) => ctx.storage.volumes.delete(scope, id),
    deleteSnapshot: (scope, id) => ctx.storage.snapshots.delete(scope, id),
    deleteLoadBalancer: (scope, id) => net.loadBalancers.delete(scope, id),
    releasePublicIp: (scope, id) => net.publicIps.release(scope, id),
    deleteNetwork: (scope, row) => net.networks.delete(scope, row),
    deleteSecurityGroup: (scope, id) => net.securityGroups.delete(scope, id),
    deleteKeypair: (scope, id) => ctx.catalog.keypairs.deleteKeypair(scope, id),
    deleteAffinityGroup: (scope, id) => ctx.catalog.keypairs.deleteAffinityGroup(scope, id),
    deleteImage: (scope, id) => ctx.catalog.images.delete(scope, id),
  };
}

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
const Items = <T extends Parameters<typeof Type.Array>[0]>(t: T) => Type.Object({ items: Type.Array(t), nextCursor: api.Nullable(Type.String()) });
const page = <T>(items: T[]) => ({ items, nextCursor: null });
/** Users and roles are named by id or by name. */
const RefParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const NameFilter = { name: Type.Optional(Type.String({ maxLength: 63 })) };

/**
 * Domains, accounts, users, projects (with members) and roles: create, list, show, update
 * (rename, disable/enable: `state`), delete. Who may do what is the tenancy services' business.
 */
export function registerTenancyAdminRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const t = ctx.tenancy;
  const reaper = reaperOf(ctx);
  const tags = ['tenancy'];

  // Domains
  app.get('/api/v1/domains', { schema: { tags, summary: 'Domains you may see: root admins all, domain admins their subtree, others their own', response: { 200: Items(api.Domain), ...errorResponses } } },
    async (req) => page((await t.domains.list(principalOf(req))).map(toDomain)));
  app.get('/api/v1/domains/:id', { schema: { tags, summary: 'Show a domain', params: api.IdParams, response: { 200: api.Domain, ...errorResponses } } },
    async (req) => toDomain(await t.domains.get(principalOf(req), idOf(req))));
  app.post('/api/v1/domains', { schema: { tags, summary: 'Create a domain (under parentId; default: your own domain)', body: api.DomainCreate, response: { 201: api.Domain, ...errorResponses } } },
    async (req, reply) => reply.status(201).send(toDomain(await t.domains.create(principalOf(req), req.body as api.DomainCreate))));
  app.patch('/api/v1/domains/:id', { schema: { tags, summary: 'Rename, disable or enable a domain (disabled: its accounts cannot log in)', params: api.IdParams, body: api.DomainUpdate, response: { 200: api.Domain, ...errorResponses } } },
    async (req) => toDomain(await t.domains.update(principalOf(req), idOf(req), req.body as api.DomainUpdate)));
  app.delete('/api/v1/domains/:id', { schema: { tags, summary: 'Delete an empty domain (409 naming what it holds)', params: api.IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => { await t.domains.delete(principalOf(req), idOf(req)); return reply.status(204).send(); });

  app.get('/api/v1/domains/:id/quota', { schema: { tags, summary: 'A domain\'s quota and the use of its accounts together', params: api.IdParams, response: { 200: api.DomainQuota, ...errorResponses } } },
    async (req) => { await t.domains.get(principalOf(req), idOf(req)); return ctx.accounting.quotas.showDomain(idOf(req)); });
  app.put('/api/v1/domains/:id/quota', {
    schema: { tags, summary: 'Set a domain\'s limits (null: unlimited): they bound the sum of its subtree\'s accounts; root admins and the admins above the domain', params: api.IdParams, body: api.QuotaUpdate, response: { 200: api.DomainQuota, ...errorResponses } },
  }, async (req) => {
    await t.domains.managed(principalOf(req), idOf(req));
    await ctx.accounting.quotas.setDomain(idOf(req), req.body as api.QuotaUpdate);
    return ctx.accounting.quotas.showDomain(idOf(req));
  });

  // Accounts (the old admin-only routes, now for domain admins too, in their subtree)
  app.get('/api/v1/accounts', {
    schema: {
      tags, summary: 'Accounts: root admins all, domain admins their subtree\'s, others their own',
      querystring: Type.Object({ ...api.ListQueryBase, ...NameFilter, domainId: Type.Optional(Type.String({ maxLength: 64 })), kind: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('project')])) }, { additionalProperties: false }),
      response: { 200: Items(api.Account), ...errorResponses },
    },
  }, async (req) => {
    const q = req.query as { name?: string; domainId?: string; kind?: 'user' | 'project' };
    return page((await t.accounts.list(principalOf(req), q)).map(toAccountView));
  });
  app.get('/api/v1/accounts/:id', { schema: { tags, summary: 'Show an account', params: api.IdParams, response: { 200: api.Account, ...errorResponses } } },
    async (req) => toAccountView(await t.accounts.get(principalOf(req), idOf(req))));
  app.post('/api/v1/accounts', { schema: { tags, summary: 'Create an account (root admins anywhere, domain admins in their subtree), with its first user', body: api.AccountCreate, response: { 201: api.Account, ...errorResponses } } },
    async (req, reply) => reply.status(201).send(toAccountView(await t.accounts.create(principalOf(req), req.body as api.AccountCreate))));
  app.patch('/api/v1/accounts/:id', {
    schema: { tags, summary: 'Rename, change the role of, disable or enable an account (disabled: no logins, API keys answer 401; instances keep running)', params: api.IdParams, body: api.AccountUpdate, response: { 200: api.Account, ...errorResponses } },
  }, async (req) => toAccountView(await t.accounts.update(principalOf(req), idOf(req), req.body as api.AccountUpdate)));
  app.delete('/api/v1/accounts/:id', {
    schema: {
      tags, summary: 'Delete an account; refused (409 naming what it owns) unless cascade=true, which deletes its resources through the usual operations and answers 202 until they are gone',
      params: api.IdParams, querystring: api.AccountDeleteQuery, response: { 200: api.AccountDeleteResult, 202: api.AccountDeleteResult, ...errorResponses },
    },
  }, async (req, reply) => {
    const p = principalOf(req);
    const a = await t.accounts.managed(p, idOf(req));
    if ((req.query as { cascade?: boolean }).cascade) {
      if (a.id === p.scope.accountId) throw new api.ApiError('bad_request', 'you cannot delete your own account', { field: 'id' });
      if (a.state === 'enabled') await t.accounts.update(p, a.id, { state: 'disabled' });
      await reapAccount(reaper, a.id);
      const remaining = await t.accounts.owned(a.id);
      if (Object.keys(remaining).length > 0) return reply.status(202).send({ deleted: false, remaining });
    }
    await t.accounts.delete(p, a.id);
    return { deleted: true, remaining: {} };
  });

  // Users
  app.get('/api/v1/users', {
    schema: { tags, summary: 'Users of the accounts you administer (others: of your account)', querystring: Type.Object({ ...api.ListQueryBase, accountId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }), response: { 200: Items(api.User), ...errorResponses } },
  }, async (req) => page((await t.users.list(principalOf(req), (req.query as { accountId?: string }).accountId)).map(toUser)));
  app.get('/api/v1/users/:id', { schema: { tags, summary: 'Show a user (by id or username)', params: RefParams, response: { 200: api.User, ...errorResponses } } },
    async (req) => toUser(await t.users.get(principalOf(req), idOf(req))));
  app.post('/api/v1/users', { schema: { tags, summary: 'Create a user in an account you administer', body: api.UserCreate, response: { 201: api.User, ...errorResponses } } },
    async (req, reply) => reply.status(201).send(toUser(await t.users.create(principalOf(req), req.body as api.UserCreate))));
  app.patch('/api/v1/users/:id', { schema: { tags, summary: 'Change a user\'s role, disable or enable them', params: RefParams, body: api.UserUpdate, response: { 200: api.User, ...errorResponses } } },
    async (req) => toUser(await t.users.update(principalOf(req), idOf(req), req.body as api.UserUpdate)));
  app.delete('/api/v1/users/:id', { schema: { tags, summary: 'Delete a user and their API keys', params: RefParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => { await t.users.delete(principalOf(req), idOf(req)); return reply.status(204).send(); });

  // Projects
  app.get('/api/v1/projects', { schema: { tags, summary: 'Projects you are a member of (admins: also those you administer)', response: { 200: Items(api.Project), ...errorResponses } } },
    async (req) => page((await t.projects.list(principalOf(req))).map(toProject)));
  app.get('/api/v1/projects/:id', { schema: { tags, summary: 'Show a project with its members', params: api.IdParams, response: { 200: api.Project, ...errorResponses } } },
    async (req) => toProject(await t.projects.get(principalOf(req), idOf(req))));
  app.post('/api/v1/projects', { schema: { tags, summary: 'Create a project; your account becomes its admin member', body: api.ProjectCreate, response: { 201: api.Project, ...errorResponses } } },
    async (req, reply) => reply.status(201).send(toProject(await t.projects.create(principalOf(req), req.body as api.ProjectCreate))));
  app.patch('/api/v1/projects/:id', { schema: { tags, summary: 'Rename, disable or enable a project (its admins, or its domain\'s)', params: api.IdParams, body: api.AccountUpdate, response: { 200: api.Project, ...errorResponses } } },
    async (req) => toProject(await t.projects.update(principalOf(req), idOf(req), req.body as api.AccountUpdate)));
  app.delete('/api/v1/projects/:id', {
    schema: { tags, summary: 'Delete a project (as accounts: cascade=true deletes its resources first)', params: api.IdParams, querystring: api.AccountDeleteQuery, response: { 200: api.AccountDeleteResult, 202: api.AccountDeleteResult, ...errorResponses } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const pr = await t.projects.managed(p, idOf(req));
    if ((req.query as { cascade?: boolean }).cascade) {
      await reapAccount(reaper, pr.id);
      const remaining = await t.accounts.owned(pr.id);
      if (Object.keys(remaining).length > 0) return reply.status(202).send({ deleted: false, remaining });
    }
    await t.projects.delete(p, pr.id);
    return { deleted: true, remaining: {} };
  });
  app.post('/api/v1/projects/:id/members', { schema: { tags, summary: 'Add a member account (or change its role)', params: api.IdParams, body: api.ProjectMemberAdd, response: { 200: api.Project, ...errorResponses } } },
    async (req) => toProject(await t.projects.addMember(principalOf(req), idOf(req), req.body as api.ProjectMemberAdd)));
  app.delete('/api/v1/projects/:id/members/:accountId', {
    schema: { tags, summary: 'Remove a member account', params: Type.Object({ id: Type.String({ maxLength: 64 }), accountId: Type.String({ maxLength: 64 }) }), response: { 200: api.Project, ...errorResponses } },
  }, async (req) => toProject(await t.projects.removeMember(principalOf(req), idOf(req), (req.params as { accountId: string }).accountId)));

  // Roles
  app.get('/api/v1/roles', { schema: { tags, summary: 'Roles: the built-in ones and custom ones (allow/deny lists of action names)', response: { 200: Items(api.Role), ...errorResponses } } },
    async () => page((await t.roles.list()).map(toRole)));
  app.get('/api/v1/roles/:id', { schema: { tags, summary: 'Show a role (by id or name)', params: RefParams, response: { 200: api.Role, ...errorResponses } } },
    async (req) => toRole(await t.roles.get(idOf(req))));
  app.post('/api/v1/roles', { schema: { tags, summary: 'Create a custom role (root admins)', body: api.RoleCreate, response: { 201: api.Role, ...errorResponses } } },
    async (req, reply) => reply.status(201).send(toRole(await t.roles.create(principalOf(req), req.body as api.RoleCreate))));
  app.patch('/api/v1/roles/:id', { schema: { tags, summary: 'Change a custom role\'s lists (root admins)', params: RefParams, body: api.RoleUpdate, response: { 200: api.Role, ...errorResponses } } },
    async (req) => toRole(await t.roles.update(principalOf(req), idOf(req), req.body as api.RoleUpdate)));
  app.delete('/api/v1/roles/:id', { schema: { tags, summary: 'Delete a custom role nobody has', params: RefParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => { await t.roles.delete(principalOf(req), idOf(req)); return reply.status(204).send(); });
}
