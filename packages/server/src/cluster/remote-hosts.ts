import { ApiError, type AgentMethod, type ErrorCode } from '@kumo/api';
import type { Clock, JobProgress } from '@kumo/core';
import type { Repos } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import { AgentCallError } from '../gateway/agent-call-error.ts';
import type { CallOptions, RemoteHostLink } from '../gateway/agent-gateway.ts';

/** Header a relayed host call carries: the receiving server's own call token (servers.callToken). */
export const serverTokenHeader = 'x-kumo-server-token';
export const hostCallPath = '/internal/v1/host-calls';

/** One line of a relayed call's answer (NDJSON): progress, the job id, a keep-alive, then the result or the error. */
export type HostCallLine =
  | { progress: JobProgress } | { job: string } | { keepalive: true }
  | { result: unknown } | { error: { name: string; code: string; message: string } };

interface Holder { serverId: string; address: string; callToken: string }

/**
 * Hosts whose agent session another live server holds (from hostSessions, refreshed every
 * `refreshMs` and on a miss), and calls to them relayed over HTTP to that server, job progress
 * included. The server holding the session is the only one that talks to the agent.
 */
export class RemoteHosts implements RemoteHostLink {
  private holders = new Map<string, Holder>();
  private timer: unknown = null;
  private stopped = false;
  private refreshing: Promise<void> | null = null;
  relayed = 0;

  constructor(
    private readonly repos: Repos,
    private readonly clock: Clock,
    private readonly serverId: string,
    private readonly log: FastifyBaseLogger,
    private readonly opts: { refreshMs: number; serverLivenessMs: number },
  ) {}

  holds(hostId: string): boolean { return this.holders.has(hostId); }

  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const since = new Date(this.clock.now() - this.opts.serverLivenessMs).toISOString();
      const rows = await this.repos.servers.liveSessions(since, this.serverId);
      this.holders = new Map(rows.map((r) => [r.hostId, { serverId: r.serverId, address: r.address, callToken: r.callToken }]));
    })().catch((e: unknown) => this.log.warn({ err: (e as Error).message }, 'reading the host sessions of the other servers failed'))
      .finally(() => { this.refreshing = null; });
    return this.refreshing;
  }

  async start(): Promise<void> {
    await this.refresh();
    const loop = () => {
      if (this.stopped) return;
      this.timer = this.clock.setTimeout(() => { void this.refresh().finally(loop); }, this.opts.refreshMs);
    };
    loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
  }

  async call(hostId: string, method: AgentMethod, params: unknown, timeoutMs: number, opts: CallOptions): Promise<unknown> {
    const holder = this.holders.get(hostId);
    if (!holder) throw new ApiError('host_unavailable', `host ${hostId} is not connected`);
    this.relayed++;
    const fetchAbort = new AbortController();
    let jobId: string | null = null;
    const onAbort = () => {
      // cancel the job where it runs; the stream then ends with the agent's `cancelled` answer
      if (jobId) void this.send(holder, { hostId, method: 'job.cancel', params: { jobId }, timeoutMs: 15_000 }, new AbortController().signal, () => undefined).catch(() => undefined);
      else fetchAbort.abort();
    };
    if (opts.signal?.aborted) throw new AgentCallError('cancelled', `${method} was cancelled`);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.send(holder, { hostId, method, params, timeoutMs, ...(opts.jobKey ? { jobKey: opts.jobKey } : {}) }, fetchAbort.signal, (line) => {
        if ('progress' in line) opts.onProgress?.(line.progress);
        else if ('job' in line) { jobId = line.job; opts.onJob?.(line.job); }
      });
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async send(holder: Holder, body: Record<string, unknown>, signal: AbortSignal, onLine: (l: HostCallLine) => void): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${holder.address}${hostCallPath}`, {
        method: 'POST', signal, headers: { 'content-type': 'application/json', [serverTokenHeader]: holder.callToken }, body: JSON.stringify(body),
      });
    } catch (e) {
      void this.refresh();
      throw new ApiError('host_unavailable', `the server holding the host's session (${holder.address}) did not answer: ${(e as Error).message}`);
    }
    if (!res.ok || !res.body) throw new ApiError('host_unavailable', `the server holding the host's session answered ${res.status}`);
    const decoder = new TextDecoder();
    let buf = '';
    try {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const text = buf.slice(0, nl); buf = buf.slice(nl + 1);
          if (!text) continue;
          const line = JSON.parse(text) as HostCallLine;
          if ('result' in line) return line.result;
          if ('error' in line) throw rebuildError(line.error);
          onLine(line);
        }
      }
    } catch (e) {
      if (e instanceof ApiError || e instanceof AgentCallError) throw e;
      void this.refresh();
      throw new ApiError('host_unavailable', `the link to the server holding the host's session broke: ${(e as Error).message}`);
    }
    void this.refresh();
    throw new ApiError('host_unavailable', 'the server holding the host\'s session ended the call without an answer');
  }
}

function rebuildError(e: { name: string; code: string; message: string }): Error {
  if (e.name === 'ApiError') return new ApiError(e.code as ErrorCode, e.message);
  return new AgentCallError(e.code, e.message);
}
