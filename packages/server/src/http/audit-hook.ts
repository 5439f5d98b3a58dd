import type { FastifyInstance } from 'fastify';
import type { AuditService } from '../services/audit-service.ts';

const readMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

function parsed(payload: unknown): Record<string, unknown> | null {
  if (typeof payload !== 'string' || payload.length === 0 || payload.length > 1_000_000) return null;
  try {
    const v = JSON.parse(payload) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null;
  } catch { return null; }
}
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * The one place every mutating API call is audited: after the route (or the auth hook, or the
 * error handler) has answered and before the answer leaves, record who (account, user), from which
 * address, the route and action, the resource id (from the URL, else the created resource or its
 * operation) and the result status. The request body is kept with secrets redacted
 * (services/audit-redaction.ts); query strings are never kept (tokens can travel there).
 */
export function installAuditHook(app: FastifyInstance, audit: AuditService): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (readMethods.has(req.method)) return payload;
    const route = req.routeOptions.url;
    if (route === undefined) return payload; // no such route: nothing was changed
    const p = req.principal;
    const answer = parsed(payload);
    const body = req.body as Record<string, unknown> | undefined;
    const error = answer?.error as { code?: unknown } | undefined;
    const params = req.params as Record<string, unknown> | undefined;
    const resourceId = str(params?.id) ?? (reply.statusCode < 300 ? str(answer?.resourceId) ?? str(answer?.id) : null);
    try {
      await audit.record({
        accountId: p?.scope.accountId ?? null, userId: p?.userId ?? null,
        username: p?.username ?? (typeof body === 'object' && body !== null ? str(body.username) ?? '' : ''),
        sourceAddress: req.ip, method: req.method, route, resourceId, status: reply.statusCode,
        errorCode: reply.statusCode >= 400 ? str(error?.code) : null, requestId: String(req.id), body: body ?? {},
      });
    } catch (e) {
      req.log.error({ err: e, route, method: req.method }, 'could not write the audit log entry');
    }
    return payload;
  });
}
