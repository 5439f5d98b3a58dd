import type { FastifyRequest } from 'fastify';

/**
 * Which browser origins may open the live streams (console WebSocket, server-sent events): the
 * server's own address (the Host the request came to, and `publicUrl` when the server sits behind
 * a proxy) plus an operator's allow-list of exact origins (`https://console.example.com`).
 */
export interface OriginPolicy { allowedOrigins: readonly string[]; publicUrl?: string | undefined }

function originOf(url: string): string | null {
  try { return new URL(url).origin; } catch { return null; }
}

/** A browser-made request: it carries the origin of the page that made it. */
export function originAllowed(req: FastifyRequest, policy: OriginPolicy): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not from a browser page on another origin: browsers always send it cross-origin
  if (origin === 'null') return false; // sandboxed frames, file:// pages
  const o = originOf(origin);
  if (!o) return false;
  // Page JavaScript cannot set Host or X-Forwarded-Host: they name the address the browser dialled.
  const own = [req.headers.host, req.headers['x-forwarded-host']].flatMap((h) => (typeof h === 'string' ? h.split(',').map((x) => x.trim()) : []));
  if (own.includes(new URL(o).host)) return true;
  if (policy.publicUrl && originOf(policy.publicUrl) === o) return true;
  return policy.allowedOrigins.some((a) => originOf(a) === o);
}

/** The live streams whose Origin is checked. */
export function isStream(req: FastifyRequest): boolean {
  return req.headers.upgrade?.toLowerCase() === 'websocket' || ['/api/v1/stream', '/api/v1/audit/stream'].includes(req.url.split('?')[0] ?? '');
}
