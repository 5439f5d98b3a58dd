import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as api from '@kumo/api';
import type { Ec2Endpoint } from '@kumo/ec2';
import type { Ec2CredentialRow } from '@kumo/db';
import type { Ec2CredentialService } from '../../services/ec2-credential-service.ts';
import { errorResponses } from '../crud-routes.ts';
import { principalOf } from '../auth-hook.ts';

export interface Ec2RouteDeps {
  endpoint: Ec2Endpoint;
  credentials: Ec2CredentialService;
  regionName: string;
  /** The EC2 endpoint URL handed out with new keys; default: this server's address + /ec2/. */
  publicUrl: string | undefined;
}

const toCredential = (r: Ec2CredentialRow): api.Ec2Credential => ({
  accessKeyId: r.accessKeyId, accountId: r.accountId, userId: r.userId, name: r.name, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, revokedAt: r.revokedAt,
});

/**
 * The EC2 Query API on `prefix` (POST form bodies and GET query strings; its own SigV4
 * authentication, not the bearer tokens: the routes are public to the auth hook). Registered on
 * the API port at /ec2/ and, with `kumo server --ec2-port`, on a port of its own at /.
 */
export async function registerEc2Endpoint(app: FastifyInstance, endpoint: Ec2Endpoint, prefix: string): Promise<void> {
  await app.register(async (scope) => {
    // The form body stays a string: the signature covers its exact bytes.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    const handler = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
      const res = await endpoint.handle({
        method: req.method, path: req.url.split('?')[0] ?? '/', query: (req.query ?? {}) as Record<string, string | string[]>,
        headers: req.headers as Record<string, string | string[] | undefined>, body: typeof req.body === 'string' ? req.body : '',
      });
      return reply.status(res.status).header('x-amzn-requestid', res.requestId).type('text/xml;charset=UTF-8').send(res.body);
    };
    for (const url of prefix === '/' ? ['/'] : [prefix, `${prefix}/`]) {
      scope.route({ method: ['GET', 'POST'], url, config: { public: true }, schema: { hide: true }, handler });
    }
  });
}

/** EC2 access keys of the caller's account: create (the secret once), list, revoke. */
export function registerEc2CredentialRoutes(app: FastifyInstance, deps: Ec2RouteDeps): void {
  const endpointOf = (req: FastifyRequest) => deps.publicUrl ?? `${req.protocol}://${req.headers.host ?? 'localhost'}/ec2/`;

  app.get('/api/v1/ec2/credentials', {
    schema: { tags: ['ec2'], summary: 'EC2 access keys of your account (admins: all=true for every account\'s)', querystring: api.Ec2CredentialListQuery, response: { 200: api.ListOf(api.Ec2Credential), ...errorResponses } },
  }, async (req) => {
    const rows = await deps.credentials.list(principalOf(req), (req.query as { all?: boolean }).all === true);
    return { items: rows.map(toCredential), nextCursor: null };
  });

  app.post('/api/v1/ec2/credentials', {
    schema: { tags: ['ec2'], summary: 'Create an EC2 access key for the EC2-compatible API; the secret is shown once', body: api.Ec2CredentialCreate, response: { 201: api.Ec2CredentialSecret, ...errorResponses } },
  }, async (req, reply) => {
    const b = (req.body ?? {}) as api.Ec2CredentialCreate;
    const { row, secretAccessKey } = await deps.credentials.create(principalOf(req), b.name ?? 'ec2');
    return reply.status(201).send({ accessKeyId: row.accessKeyId, secretAccessKey, endpoint: endpointOf(req), region: deps.regionName, name: row.name, createdAt: row.createdAt });
  });

  app.delete('/api/v1/ec2/credentials/:accessKeyId', {
    schema: { tags: ['ec2'], summary: 'Revoke an EC2 access key (admins: any account\'s)', params: api.Ec2CredentialParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    await deps.credentials.revoke(principalOf(req), (req.params as { accessKeyId: string }).accessKeyId);
    return reply.status(204).send();
  });
}
