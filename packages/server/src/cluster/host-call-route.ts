import { timingSafeEqual } from 'node:crypto';
import { agentMethodDefs, ApiError, type AgentMethod, type AgentMethods } from '@kumo/api';
import type { FastifyInstance } from 'fastify';
import { AgentCallError } from '../gateway/agent-call-error.ts';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import { hostCallPath, serverTokenHeader, type HostCallLine } from './remote-hosts.ts';

interface HostCallBody { hostId: string; method: string; params: unknown; timeoutMs: number; jobKey?: string }

function sameToken(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The other servers' way to a host whose session this server holds: POST a call, read NDJSON
 * lines back (the job id, progress, keep-alives every 20 s, then the result or the error). Only a
 * caller showing this server's call token (from the servers table) is served. A caller that goes
 * away does not cancel the job: whoever takes its work over attaches to the same job by its key.
 */
export function registerHostCallRoute(app: FastifyInstance, gateway: AgentGateway, callToken: string): void {
  app.post(hostCallPath, { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const token = req.headers[serverTokenHeader];
    if (typeof token !== 'string' || !sameToken(token, callToken)) throw new ApiError('unauthenticated', 'a relayed host call needs the receiving server\'s token');
    const body = req.body as HostCallBody | undefined;
    if (!body || typeof body.hostId !== 'string' || typeof body.method !== 'string' || !(body.method in agentMethodDefs) || typeof body.timeoutMs !== 'number') {
      throw new ApiError('bad_request', 'hostId, method (an agent method) and timeoutMs are required');
    }
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const write = (l: HostCallLine) => { if (!out.writableEnded) out.write(`${JSON.stringify(l)}\n`); };
    const keepalive = setInterval(() => write({ keepalive: true }), 20_000);
    try {
      const method = body.method as AgentMethod;
      const result = await gateway.callHere(body.hostId, method, body.params as AgentMethods[typeof method], body.timeoutMs, {
        ...(body.jobKey ? { jobKey: body.jobKey } : {}),
        onProgress: (progress) => write({ progress }),
        onJob: (job) => write({ job }),
      });
      write({ result });
    } catch (e) {
      const err = e as Error & { code?: string };
      const name = e instanceof ApiError ? 'ApiError' : e instanceof AgentCallError ? 'AgentCallError' : err.name;
      write({ error: { name, code: err.code ?? 'internal', message: err.message } });
    } finally {
      clearInterval(keepalive);
      out.end();
    }
  });
}
