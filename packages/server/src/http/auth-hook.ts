import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '@kumo/api';
import type { AuthService, Principal } from '../services/auth-service.ts';

declare module 'fastify' {
  interface FastifyRequest { principal: Principal | null }
  interface FastifyContextConfig { public?: boolean; agentAllowed?: boolean }
}

export const sessionCookieName = 'kumo_session';

function tokenOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  // Browsers cannot set headers on WebSocket or EventSource: they send the session cookie, or a token in the query.
  const q = (req.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof q === 'string' && (req.headers.upgrade === 'websocket' || req.url.startsWith('/api/v1/stream'))) return q;
  const cookie = req.headers.cookie;
  if (cookie) {
    for (const part of cookie.split(';')) {
      const [k, v] = part.trim().split('=');
      if (k === sessionCookieName && v) return decodeURIComponent(v);
    }
  }
  return null;
}

/** Every route needs credentials unless its config says `public: true`. */
export function installAuth(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config?.public) return;
    const token = tokenOf(req);
    if (!token) throw new ApiError('unauthenticated', 'send an API token: Authorization: Bearer <token>');
    req.principal = await auth.authenticate(token);
    if (req.principal.role === 'agent' && !req.routeOptions.config?.agentAllowed) {
      throw new ApiError('forbidden', 'host credentials may only fetch images');
    }
    // Cookie sessions from a browser must prove they are same-origin on writes (CSRF).
    if (!req.headers.authorization && req.method !== 'GET' && req.method !== 'HEAD' && req.headers['x-kumo-csrf'] !== '1') {
      throw new ApiError('forbidden', 'cookie-authenticated writes need the X-Kumo-CSRF: 1 header');
    }
  });
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError('unauthenticated', 'not authenticated');
  return req.principal;
}

export function requireAdmin(req: FastifyRequest): Principal {
  const p = principalOf(req);
  if (p.role !== 'admin') throw new ApiError('forbidden', 'this needs an admin account');
  return p;
}
