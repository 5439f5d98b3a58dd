import type { WebSocket } from 'ws';
import { randomUUID } from 'node:crypto';
import type { Clock, GuestDisplayHandlers, DriverCapability, JobProgress, MetricBatch } from '@kumo/core';
import {
  ApiError, WireValidationError, agentMethodDefs, agentProtocolVersion, checkParams, checkResult, oldestAgentProtocolVersion, parseAgentFrame,
  type AgentMethod, type AgentMethods, type AgentResults, type AgentToServer, type HelloMessage, type InventoryEntry,
} from '@kumo/api';
import type { Repos } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import type { EventLog } from '../services/event-log.ts';
import type { Notifier } from '../services/notifier.ts';
import { AgentSession } from './agent-session.ts';
import { AgentCallError } from './agent-call-error.ts';
import { AgentRegistration } from './agent-registration.ts';
import { JobWaiters } from './job-waiters.ts';
import { HostLeases } from '../ha/host-lease.ts';

export interface GatewayHooks {
  /** An agent reported instance states; `full` means it is its whole inventory (hello). */
  onInventory(hostId: string, entries: InventoryEntry[], full: boolean): void;
  /** A heartbeat carried metric samples (protocol 2 agents that sample). */
  onMetrics?(hostId: string, batch: MetricBatch): Promise<void>;
}

export interface GatewayOptions {
  heartbeatIntervalMs: number;
  helloTimeoutMs: number;
  jobReplyTimeoutMs?: number;
  /** How long a job's waiter waits for its host to come back after the link dropped (default 15 s). */
  jobReattachGraceMs?: number;
}

export interface CallOptions {
  /** Job methods: names the work, so that asking again (after a server restart, a retry) attaches to the same job. */
  jobKey?: string;
  onProgress?: (p: JobProgress) => void;
  /** Aborting cancels the job on the host (`job.cancel`); the call then rejects with code `cancelled`. */
  signal?: AbortSignal;
  /** Job methods: told the job's id once the agent has started it (a relayed call passes it back, to cancel it). */
  onJob?: (jobId: string) => void;
}

/** Several servers: hosts whose session another server holds, and how to call them there (cluster/remote-hosts.ts). */
export interface RemoteHostLink {
  holds(hostId: string): boolean;
  call(hostId: string, method: AgentMethod, params: unknown, timeoutMs: number, opts: CallOptions): Promise<unknown>;
}

/** Agents dial in over WebSocket; this keeps one session per host and relays typed calls, jobs and reports. */
export class AgentGateway {
  private readonly sessions = new Map<string, AgentSession>();
  private readonly consoleListeners = new Map<string, Set<(data: Buffer) => void>>();
  /** Graphical console streams through the agents, by stream id (messages.ts: display-data / display-close). */
  private readonly displayStreams = new Map<string, GuestDisplayHandlers & { hostId: string }>();
  private readonly jobs: JobWaiters;
  private readonly registration: AgentRegistration;
  private readonly leases: HostLeases;
  hooks: GatewayHooks = { onInventory: () => undefined };
  /** Several servers: calls to hosts connected to another server go there. */
  remote: RemoteHostLink | null = null;
  /** Several servers: where this server records the sessions it holds (cluster/host-session-recorder.ts). */
  sessionRecorder: { held(hostId: string): Promise<void>; beat(hostId: string): Promise<void>; dropped(hostId: string): Promise<void> } | null = null;
  /** Reports dropped because they came from an older registration of their host (fencing). */
  staleReports = 0;

  constructor(
    private readonly repos: Repos,
    private readonly clock: Clock,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly log: FastifyBaseLogger,
    readonly opts: GatewayOptions,
  ) {
    this.jobs = new JobWaiters(clock);
    this.registration = new AgentRegistration(repos, clock);
    this.leases = new HostLeases(repos, clock);
  }

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  /** Connected to this server, or (several servers) to another live one that relays calls to it. */
  isConnected(hostId: string): boolean { return this.sessions.has(hostId) || (this.remote?.holds(hostId) ?? false); }
  /** Connected to this server itself. */
  isConnectedHere(hostId: string): boolean { return this.sessions.has(hostId); }
  connectedCount(): number { return this.sessions.size; }
  /** What the connected host's driver can do; null when it is not connected. */
  capabilitiesOf(hostId: string): ReadonlySet<DriverCapability> | null { return this.sessions.get(hostId)?.capabilities ?? null; }
  generationOf(hostId: string): number | null { return this.sessions.get(hostId)?.generation ?? null; }
  pendingJobs(hostId?: string): number { return this.jobs.pending(hostId); }

  /**
   * Call a method on a host's agent and resolve with its validated result. Job methods (agentMethodDefs)
   * run as jobs on agents that speak protocol 2: progress reaches `onProgress`, the wait survives the
   * WebSocket dropping (the agent's next hello settles it), `timeoutMs` is the job's deadline.
   */
  async call<M extends AgentMethod>(hostId: string, method: M, params: AgentMethods[M], timeoutMs: number, opts: CallOptions = {}): Promise<AgentResults[M]> {
    if (!this.sessions.has(hostId) && this.remote?.holds(hostId)) return this.remote.call(hostId, method, params, timeoutMs, opts) as Promise<AgentResults[M]>;
    return this.callHere(hostId, method, params, timeoutMs, opts);
  }

  /** call() on a session this server holds (a relayed call never travels on). */
  async callHere<M extends AgentMethod>(hostId: string, method: M, params: AgentMethods[M], timeoutMs: number, opts: CallOptions = {}): Promise<AgentResults[M]> {
    const s = this.sessions.get(hostId);
    if (!s) throw new ApiError('host_unavailable', `host ${hostId} is not connected`);
    const def = agentMethodDefs[method];
    if (s.protocol < def.since) throw new AgentCallError('unsupported_by_agent', `host ${hostId} runs an agent of protocol ${s.protocol}, which has no ${method}; upgrade the agent`);
    checkParams(method, params);
    if (!def.job || s.protocol < 2) {
      const reply = await s.request(method, params, timeoutMs);
      return checkResult(method, reply.result ?? null);
    }
    // The reply (the job id) comes at once; the job itself may take until timeoutMs, and the frame
    // says so: the agent ends a job at the frame's timeoutMs (regression job_deadline_was_the_reply_timeout).
    const reply = await s.request(method, params, Math.min(timeoutMs, this.opts.jobReplyTimeoutMs ?? 30_000), opts.jobKey, timeoutMs);
    const jobId = reply.job?.jobId;
    if (!jobId) throw new WireValidationError(`${method} reply`, '/job', 'is missing: a job method must answer with a job id');
    opts.onJob?.(jobId);
    const done = this.jobs.wait(hostId, jobId, method, timeoutMs, opts.onProgress);
    const signal = opts.signal;
    if (signal) {
      const cancel = () => { this.cancelJob(hostId, jobId); };
      if (signal.aborted) cancel(); else signal.addEventListener('abort', cancel, { once: true });
      done.finally(() => signal.removeEventListener('abort', cancel)).catch(() => undefined);
    }
    return done as Promise<AgentResults[M]>;
  }

  private cancelJob(hostId: string, jobId: string): void {
    this.call(hostId, 'job.cancel', { jobId }, 15_000)
      .then((r) => this.log.info({ hostId, jobId, state: r.state }, 'job cancel asked'))
      .catch((e: unknown) => this.log.warn({ hostId, jobId, err: (e as Error).message }, 'job cancel failed; the job runs on until its deadline'));
  }

  subscribeConsole(instanceId: string, fn: (data: Buffer) => void): () => void {
    let set = this.consoleListeners.get(instanceId);
    if (!set) { set = new Set(); this.consoleListeners.set(instanceId, set); }
    set.add(fn);
    return () => { set.delete(fn); if (set.size === 0) this.consoleListeners.delete(instanceId); };
  }

  sendConsoleInput(hostId: string, instanceId: string, data: Buffer): boolean {
    const s = this.sessions.get(hostId);
    if (!s) return false;
    s.send({ type: 'console-input', instanceId, data: data.toString('base64') });
    return true;
  }

  /**
   * Open a graphical console stream to an instance on a host: the agent connects the guest's display
   * server (instance.displayOpen) and bytes flow through display-data frames. Rejects like call()
   * (host not connected, the driver refused). `write` returns false once the stream is gone.
   */
  async openDisplay(hostId: string, instanceId: string, handlers: GuestDisplayHandlers): Promise<{ write(data: Buffer): boolean; close(): void }> {
    const streamId = randomUUID();
    this.displayStreams.set(streamId, { hostId, ...handlers });
    try {
      await this.call(hostId, 'instance.displayOpen', { instanceId, streamId }, 15_000);
    } catch (e) {
      this.displayStreams.delete(streamId);
      throw e;
    }
    return {
      write: (data) => {
        const s = this.sessions.get(hostId);
        if (!s || !this.displayStreams.has(streamId)) return false;
        s.send({ type: 'display-data', streamId, data: data.toString('base64') });
        return true;
      },
      close: () => {
        if (this.displayStreams.delete(streamId)) this.sessions.get(hostId)?.send({ type: 'display-close', streamId });
      },
    };
  }

  openDisplayCount(): number { return this.displayStreams.size; }

  private endDisplays(hostId: string, reason: string): void {
    for (const [id, st] of this.displayStreams) {
      if (st.hostId !== hostId) continue;
      this.displayStreams.delete(id);
      st.onClose(reason);
    }
  }

  /** Handle one new WebSocket from an agent, for its whole life. */
  accept(socket: WebSocket): void {
    let session: AgentSession | null = null;
    let helloSeen = false;
    const helloTimer = setTimeout(() => {
      if (!session) socket.close(4000, 'no hello');
    }, this.opts.helloTimeoutMs);
    socket.on('message', (raw: Buffer) => {
      let json: unknown;
      try { json = JSON.parse(raw.toString('utf8')); } catch { socket.close(4002, 'bad json'); return; }
      let msg: AgentToServer;
      try { msg = parseAgentFrame(json); } catch (e) {
        this.onBadFrame(session, json, e as Error);
        if (!session) socket.close(4002, 'bad frame');
        return;
      }
      if (!session) {
        if (msg.type !== 'hello' || helloSeen) { if (!helloSeen) socket.close(4001, 'hello expected'); return; }
        helloSeen = true;
        clearTimeout(helloTimer);
        this.hello(socket, msg).then((s) => { session = s; }, (e: unknown) => {
          const err = e instanceof ApiError ? e : new ApiError('internal', String(e));
          this.log.warn({ host: msg.type === 'hello' ? msg.hostName : '?', err: err.message }, 'agent rejected');
          try { socket.send(JSON.stringify({ type: 'error', code: err.code, message: err.message })); } catch { /* gone */ }
          socket.close(4003, err.code);
        });
        return;
      }
      this.onMessage(session, msg).catch((e: unknown) => this.log.error({ err: e, hostId: session?.hostId }, 'agent message failed'));
    });
    socket.on('close', () => {
      clearTimeout(helloTimer);
      if (session) this.disconnected(session).catch((e: unknown) => this.log.error({ err: e }, 'disconnect bookkeeping failed'));
    });
    socket.on('error', () => undefined);
  }

  private onBadFrame(session: AgentSession | null, json: unknown, e: Error): void {
    this.log.warn({ hostId: session?.hostId, err: e.message }, 'malformed frame from an agent');
    const f = json as { type?: unknown; id?: unknown };
    if (session && f && f.type === 'reply' && typeof f.id === 'string') session.failCall(f.id, e);
  }

  private async hello(socket: WebSocket, msg: HelloMessage): Promise<AgentSession> {
    if (msg.protocol < oldestAgentProtocolVersion || msg.protocol > agentProtocolVersion) {
      throw new ApiError('bad_request', `agent protocol ${msg.protocol} is not supported (server speaks ${oldestAgentProtocolVersion} to ${agentProtocolVersion})`);
    }
    const reg = await this.registration.register(msg);
    const id = reg.hostId;
    await this.leases.renew(id, null); // a registration holds the lease too (the agent counts from its first renewal)
    if (this.sessions.has(id)) this.endDisplays(id, 'the host reconnected'); // the agent dropped them with its old link
    this.sessions.get(id)?.close(); // a newer connection replaces an older one
    const session = new AgentSession(id, socket, msg.protocol, reg.generation, new Set(reg.capabilities), this.clock);
    this.sessions.set(id, session);
    if (this.sessionRecorder) await this.sessionRecorder.held(id);
    session.send({
      type: 'welcome', hostId: id, hostToken: reg.hostToken, heartbeatIntervalMs: this.opts.heartbeatIntervalMs, serverTime: this.iso(),
      protocol: msg.protocol, generation: reg.generation,
    });
    await this.events.record({
      accountId: 'acct-system', resourceType: 'host', resourceId: id, kind: reg.isNew ? 'host.joined' : 'host.reconnected',
      message: `host ${msg.hostName} connected (protocol ${msg.protocol}, generation ${reg.generation}, ${msg.inventory.length} instances, ${msg.jobs?.length ?? 0} jobs reported)`,
    });
    this.notifier.publish({ kind: 'host', id });
    this.jobs.onHello(id, msg.jobs ?? []);
    this.hooks.onInventory(id, msg.inventory, true);
    return session;
  }

  /** Reports from a replaced session or an older registration are not facts about the host any more. */
  private isStale(session: AgentSession, generation: number | undefined): boolean {
    if (this.sessions.get(session.hostId) !== session || (generation !== undefined && generation < session.generation)) {
      this.staleReports++;
      this.log.warn({ hostId: session.hostId, generation, current: session.generation }, 'ignored a report from an older registration of the host');
      return true;
    }
    return false;
  }

  private async onMessage(session: AgentSession, msg: AgentToServer): Promise<void> {
    switch (msg.type) {
      case 'reply': session.onReply(msg); return;
      case 'heartbeat':
        if (this.isStale(session, msg.generation)) return;
        await this.repos.db.updateTable('hosts').set({ lastHeartbeatAt: this.iso() }).where('id', '=', session.hostId).execute();
        if (this.sessionRecorder) await this.sessionRecorder.beat(session.hostId);
        if (session.protocol >= 2) {
          const lease = await this.leases.renew(session.hostId, msg.at);
          if (lease) session.send(lease);
        } else {
          await this.leases.renew(session.hostId, msg.at);
        }
        for (const p of msg.pools) {
          await this.repos.db.updateTable('pools').set({ usedGiB: p.usedGiB, capacityGiB: p.capacityGiB }).where('hostId', '=', session.hostId).where('path', '=', p.path).execute();
        }
        if (msg.metrics && session.protocol >= 2) await this.hooks.onMetrics?.(session.hostId, msg.metrics);
        return;
      case 'observed':
        if (this.isStale(session, msg.generation)) return;
        this.hooks.onInventory(session.hostId, msg.instances, false);
        return;
      case 'job':
        if (this.isStale(session, msg.generation)) return;
        this.jobs.onFrame(session.hostId, msg);
        return;
      case 'console': {
        const set = this.consoleListeners.get(msg.instanceId);
        if (set) { const buf = Buffer.from(msg.data, 'base64'); for (const fn of set) fn(buf); }
        return;
      }
      case 'display-data': {
        const st = this.displayStreams.get(msg.streamId);
        if (st?.hostId === session.hostId) st.onData(Buffer.from(msg.data, 'base64')); // a host writes only into its own streams
        return;
      }
      case 'display-close': {
        const st = this.displayStreams.get(msg.streamId);
        if (st?.hostId !== session.hostId) return;
        this.displayStreams.delete(msg.streamId);
        st.onClose(msg.reason ?? 'the host closed the stream');
        return;
      }
      case 'hello': return; // only the first one counts
    }
  }

  private async disconnected(session: AgentSession): Promise<void> {
    session.close();
    if (this.sessions.get(session.hostId) !== session) return; // replaced by a newer connection
    this.sessions.delete(session.hostId);
    this.endDisplays(session.hostId, 'the host disconnected');
    this.jobs.hostGone(session.hostId, this.opts.jobReattachGraceMs ?? 15_000);
    await this.repos.db.updateTable('hosts').set({ state: 'disconnected' }).where('id', '=', session.hostId).where('state', '=', 'up').execute();
    if (this.sessionRecorder) await this.sessionRecorder.dropped(session.hostId);
    this.notifier.publish({ kind: 'host', id: session.hostId });
  }

  /** Close every agent connection (server shutdown). */
  closeAll(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
    this.jobs.rejectAll(new ApiError('host_unavailable', 'the server is shutting down'));
  }
}
