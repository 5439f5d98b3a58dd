import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import { AnyId } from '@kumo/api';
import type { SecurityGroupRow } from '@kumo/db';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { principalOf } from '../auth-hook.ts';
import { toSecurityGroup, toSecurityGroupRule } from '../network-mappers.ts';
import { deleteRoute, idOf, networkTag, type NetworkServices } from './network-route-helpers.ts';

/** Security groups of an account (the `default` one appears on first use) and their rules. */
export function registerSecurityGroupRoutes(app: FastifyInstance, ctx: ServerContext, svc: NetworkServices): void {
  const { repos } = ctx;
  const toApi = async (rows: SecurityGroupRow[]) => {
    const rules = await svc.securityGroups.rulesOf(rows.map((r) => r.id));
    return rows.map((r) => toSecurityGroup(r, rules.get(r.id) ?? []));
  };
  const ListQuery = Type.Object({ ...api.ListQueryBase, name: Type.Optional(Type.String({ maxLength: 63 })), accountId: Type.Optional(AnyId) }, { additionalProperties: false });

  app.get('/api/v1/security-groups', {
    schema: { tags: [networkTag], summary: 'List security groups (the account\'s default group is created on first use)', querystring: ListQuery, response: { 200: api.ListOf(api.SecurityGroup), ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    await svc.securityGroups.ensureDefault(p.scope.accountId);
    const { limit, cursor, sort, ...filters } = req.query as Record<string, string | number | undefined>;
    const page = await repos.securityGroups.list(p.scope, { limit: limit as number, cursor: cursor as string, sort: sort as string }, filters);
    return { items: await toApi(page.items), nextCursor: page.nextCursor };
  });
  app.get('/api/v1/security-groups/:id', {
    schema: { tags: [networkTag], summary: 'Show a security group with its rules', params: api.IdParams, response: { 200: api.SecurityGroup, ...errorResponses } },
  }, async (req) => (await toApi([await svc.securityGroups.get(principalOf(req).scope, idOf(req))]))[0]);
  app.post('/api/v1/security-groups', {
    schema: { tags: [networkTag], summary: 'Create a security group (no rules: it allows nothing until rules are added)', body: api.SecurityGroupCreate, response: { 201: api.SecurityGroup, ...errorResponses } },
  }, async (req, reply) => {
    const row = await svc.securityGroups.create(principalOf(req).scope, req.body as api.SecurityGroupCreate);
    return reply.status(201).send((await toApi([row]))[0]);
  });
  deleteRoute(app, {
    url: '/api/v1/security-groups/:id', summary: 'Delete a security group (refused for default, for groups with NICs, and for groups other groups\' rules name)',
    handler: (req) => svc.securityGroups.delete(principalOf(req).scope, idOf(req)),
  });

  app.get('/api/v1/security-groups/:id/rules', {
    schema: { tags: [networkTag], summary: 'Rules of a security group', params: api.IdParams, response: { 200: api.ListOf(api.SecurityGroupRule), ...errorResponses } },
  }, async (req) => {
    const g = await svc.securityGroups.get(principalOf(req).scope, idOf(req));
    return { items: ((await svc.securityGroups.rulesOf([g.id])).get(g.id) ?? []).map(toSecurityGroupRule), nextCursor: null };
  });
  app.post('/api/v1/security-groups/:id/rules', {
    schema: {
      tags: [networkTag], summary: 'Add an allow rule: direction, protocol, ports or ICMP type, and a peer (cidr or remoteGroupId)',
      params: api.IdParams, body: api.SecurityGroupRuleCreate, response: { 201: api.SecurityGroupRule, ...errorResponses },
    },
  }, async (req, reply) => {
    const rule = await svc.securityGroups.addRule(principalOf(req).scope, idOf(req), req.body as api.SecurityGroupRuleCreate);
    return reply.status(201).send(toSecurityGroupRule(rule));
  });
  deleteRoute(app, {
    url: '/api/v1/security-groups/:id/rules/:ruleId', summary: 'Delete a rule of a security group',
    params: Type.Object({ id: AnyId, ruleId: AnyId }, { additionalProperties: false }),
    handler: (req) => svc.securityGroups.deleteRule(principalOf(req).scope, idOf(req), (req.params as { ruleId: string }).ruleId),
  });
}
