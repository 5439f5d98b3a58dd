import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '@kumo/api';
import type { AuthService, Principal } from '../services/auth-service.ts';
import { isStream, originAllowed, type OriginPolicy } from './origin-policy.ts';

declare module 'fastify' {
  interface FastifyRequest { principal: Principal | null }
  interface FastifyContextConfig {
    public?: boolean; agentAllowed?: boolean;
    /** A write that read-only credentials may still make (log out, change their own password, make a read-only key). */
    readOnlyAllowed?: boolean;
    /** A GET that acts (the interactive console): read-only credentials may not use it. */
    acts?: boolean;
  }
}

export const sessionCookieName = 'kumo_session';

const readMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

function cookieToken(req: FastifyRequest): string | null {
  const cookie = req.headers.cookie;
  if (!cookie) return null;
  for (const part of cookie.split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === sessionCookieName && v) return decodeURIComponent(v);
  }
  return null;
}

function tokenOf(req: FastifyRequest): { token: string; via: 'header' | 'query' | 'cookie' } | null {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return { token: h.slice(7).trim(), via: 'header' };
  // Browsers cannot set headers on WebSocket or EventSource: they send the session cookie, or a token in the query.
  const q = (req.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof q === 'string' && isStream(req)) return { token: q, via: 'query' };
  const c = cookieToken(req);
  return c ? { token: c, via: 'cookie' } : null;
}

/**
 * Every route needs credentials unless its config says `public: true`. This hook is the one place
 * that decides, before any route runs: who is calling, whether a host token may use the route,
 * whether read-only credentials may (only reads, and routes marked `readOnlyAllowed`), whether a
 * cookie write proves it is same-origin (CSRF header) and whether a live stream comes from an
 * allowed Origin.
 */
export function installAuth(app: FastifyInstance, auth: AuthService, origins: OriginPolicy = { allowedOrigins: [] }): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config;
    if (config?.public) return;
    const cred = tokenOf(req);
    if (!cred) throw new ApiError('unauthenticated', 'send an API token: Authorization: Bearer <token>');
    if (isStream(req)) {
      if (!originAllowed(req, origins)) throw new ApiError('forbidden', `origin ${req.headers.origin} may not open this stream; allowed: this server's own address and the configured allowedOrigins`, { field: 'origin' });
      // A WebSocket from a browser always says where its page came from: a cookie without one is not a browser we can check.
      if (cred.via === 'cookie' && req.headers.upgrade && req.headers.origin === undefined) throw new ApiError('forbidden', 'a cookie session opens a console only from a page with an Origin', { field: 'origin' });
    }
    req.principal = await auth.authenticate(cred.token);
    if (req.principal.role === 'agent' && !config?.agentAllowed) {
      throw new ApiError('forbidden', 'host credentials may only fetch images');
    }
    const writes = !readMethods.has(req.method) || config?.acts === true;
    if (writes && req.principal.readOnly && !config?.readOnlyAllowed) {
      throw new ApiError('forbidden', req.principal.role === 'read-only' ? `${req.principal.username} has the read-only role` : 'this API key is read-only');
    }
    // Cookie sessions from a browser must prove they are same-origin on writes (CSRF).
    if (cred.via === 'cookie' && !readMethods.has(req.method) && req.headers['x-kumo-csrf'] !== '1') {
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
