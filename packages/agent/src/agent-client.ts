import WebSocket from 'ws';
import { systemClock, type Clock, type Driver, type DriverEvent, type InstanceSpec } from '@kumo/core';
import {
  agentMethodDefs, agentProtocolVersion, checkParams, isAgentMethod, parseServerFrame,
  type AgentMethod, type AgentMethods, type AgentToServer, type CallMessage, type InventoryEntry, type ServerToAgent,
} from '@kumo/api';
import type { VolumeManager } from './volume-manager.ts';
import { JobRunner, wireErrorOf } from './job-runner.ts';
import { HostTransfers } from './host-transfers.ts';
import { callHandlers, type CallHandlers, type HostNetwork } from './call-handlers.ts';
import type { IsoFetcher } from './cdrom-iso.ts';
import { MetricsSampler } from './metrics-sampler.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { DisplayRelays } from './display-relays.ts';

export interface AgentLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AgentOptions {
  /** http(s)://host:port of the management server. */
  serverUrl: string;
  /**
   * Several management servers: dialled in turn, moving to the next whenever the connection in use
   * closes or cannot be made (default: serverUrl alone). A load-balanced address works as one entry.
   */
  serverUrls?: string[];
  /** Join token the first time; the agent then keeps the host token the server gives it. */
  token: string;
  hostName: string;
  address: string;
  driver: Driver;
  volumes: VolumeManager;
  log?: AgentLogger;
  /** Persist the host token across agent restarts (e.g. to a file). */
  saveHostToken?: (token: string) => void;
  reconnect?: { minMs: number; maxMs: number };
  /** The host's guest networking (bridges, VXLAN, security groups, routers); absent on hosts without it. */
  network?: HostNetwork;
  /** Turn the server's start request into the driver's spec (fetch the image, fill in boot files). */
  prepareStart?: (req: AgentMethods['instance.start']) => Promise<InstanceSpec>;
  /** Fetch a CD-ROM ISO into the host's image cache (cdrom-iso.ts); absent: the ISO is a label (fake hosts). */
  fetchIso?: IsoFetcher;
  agentVersion?: string;
  clock?: Clock;
  /** Address that host-to-host transfer listeners bind to (default: `address`). */
  transferBindAddress?: string;
  /** A link on which the server said nothing for this long is dropped and dialled again (default: 5 heartbeats, at least 15 s). */
  deadLinkAfterMs?: number;
  /** Metric sampling of the host and its instances (sent with heartbeats): default every 10 s; false: off. */
  metrics?: { intervalMs?: number } | false;
}

/**
 * Heartbeats without any frame from the server after which the connection is taken for dead (and at
 * least silentMinMs: a busy server answering late is not a dead link).
 */
export const silentBeats = 5;
export const silentMinMs = 15_000;

const silent: AgentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The host agent's link to the server: dials the WebSocket, says hello with the host's facts, its
 * capabilities, its full inventory and its jobs, runs the server's calls on the driver (long ones as
 * jobs that outlive the connection), and reports what the driver observes. Reconnects forever with
 * backoff (the reconnect timer keeps the process alive: an agent never exits because its server went
 * away); on every reconnect the inventory and the jobs are sent again.
 */
export class AgentClient {
  private ws: WebSocket | null = null;
  private token: string;
  private closed = false;
  private heartbeat: NodeJS.Timeout | null = null;
  /** When the server last sent anything on the current connection (it answers every heartbeat). */
  private lastServerFrameAt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Which of serverUrls is in use. */
  private serverIndex = 0;
  /** A test cut the host's network (cutNetwork): no reconnects until it is restored. */
  private networkCut = false;
  private retryMs: number;
  private readonly log: AgentLogger;
  private readonly unsubscribe: () => void;
  private readonly jobs: JobRunner;
  private readonly transfers: HostTransfers;
  private readonly handlers: CallHandlers;
  /** Graphical console streams the server opened (display-relays.ts). */
  readonly displays: DisplayRelays;
  /** Null when sampling is off. */
  readonly sampler: MetricsSampler | null;
  /** The host lease: kills HA guests when the server cannot be reached for the lease (lease-keeper.ts). */
  readonly lease: LeaseKeeper;
  hostId: string | null = null;
  /** This registration's fencing generation (from the welcome); calls made for an older one are refused. */
  generation: number | null = null;
  private connectedWaiters: Array<() => void> = [];
  /** Rejections from the server (e.g. an expired token), for the CLI to show. */
  lastError: string | null = null;

  constructor(private readonly opts: AgentOptions) {
    this.token = opts.token;
    this.log = opts.log ?? silent;
    this.retryMs = opts.reconnect?.minMs ?? 500;
    this.unsubscribe = opts.driver.onEvent((e) => this.onDriverEvent(e));
    this.jobs = new JobRunner({ clock: opts.clock ?? systemClock, send: (f) => this.send({ ...f, ...this.generationField() }) });
    this.transfers = new HostTransfers(opts.transferBindAddress ?? opts.address);
    this.displays = new DisplayRelays(opts.driver, (f) => this.send(f));
    this.handlers = callHandlers({
      displays: this.displays,
      driver: opts.driver, volumes: opts.volumes, network: opts.network, transfers: this.transfers, jobs: this.jobs, prepareStart: opts.prepareStart,
      fetchIso: opts.fetchIso,
    });
    this.lease = new LeaseKeeper({ driver: opts.driver, clock: opts.clock ?? systemClock, log: this.log });
    this.sampler = opts.metrics === false ? null : new MetricsSampler({
      driver: opts.driver, pools: () => opts.volumes.pools(), ...(opts.metrics?.intervalMs ? { intervalMs: opts.metrics.intervalMs } : {}),
      onError: (e) => this.log.warn({ err: String(e) }, 'metric sampling failed'),
    });
  }

  start(): void { this.sampler?.start(); this.lease.start(); this.connect(); }

  /** The credentials the agent uses now (the host token once welcomed). */
  currentToken(): string { return this.token; }

  /** Resolves once the server has welcomed this agent. */
  connected(): Promise<void> {
    if (this.hostId && this.ws?.readyState === WebSocket.OPEN) return Promise.resolve();
    return new Promise((r) => this.connectedWaiters.push(r));
  }

  isConnected(): boolean { return this.ws?.readyState === WebSocket.OPEN && this.hostId !== null; }

  runningJobs(): number { return this.jobs.runningCount(); }

  private generationField(): { generation?: number } { return this.generation === null ? {} : { generation: this.generation }; }

  /** The server this agent dials now (serverUrls in turn). */
  currentServerUrl(): string {
    const urls = this.opts.serverUrls?.length ? this.opts.serverUrls : [this.opts.serverUrl];
    return urls[this.serverIndex % urls.length] ?? this.opts.serverUrl;
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.closed || this.networkCut) return;
    const url = `${this.currentServerUrl().replace(/^http/, 'ws').replace(/\/+$/, '')}/api/v1/agent`;
    const ws = new WebSocket(url, { handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => { this.sendHello().catch((e: unknown) => this.log.error({ err: String(e) }, 'hello failed')); });
    ws.on('message', (raw: Buffer) => {
      if (this.ws === ws) this.lastServerFrameAt = this.now();
      let msg: ServerToAgent;
      try { msg = parseServerFrame(JSON.parse(raw.toString('utf8'))); } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'ignored a malformed frame from the server');
        return;
      }
      this.onMessage(msg);
    });
    ws.on('close', () => {
      this.displays.closeAll();
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.heartbeat = null;
      this.hostId = null;
      if (this.closed || this.networkCut) return;
      if (this.opts.serverUrls && this.opts.serverUrls.length > 1) {
        // another server answers at once: the first retry goes there without the backoff
        this.serverIndex++;
        this.retryMs = this.opts.reconnect?.minMs ?? 500;
      }
      const ms = this.retryMs;
      this.retryMs = Math.min(this.retryMs * 2, this.opts.reconnect?.maxMs ?? 15_000);
      // Deliberately not unref'd: this timer is what keeps a standalone agent alive while its server is away.
      this.reconnectTimer = setTimeout(() => this.connect(), ms);
    });
    ws.on('error', (e) => { this.log.warn({ err: e.message }, 'server connection error'); });
  }

  private send(msg: AgentToServer): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private async sendHello(): Promise<void> {
    const [facts, list, pools, netCaps] = await Promise.all([
      this.opts.driver.facts(), this.opts.driver.list(), this.opts.volumes.pools(),
      this.opts.network?.capabilities?.().catch((e: unknown) => { this.log.warn({ err: String(e) }, 'network capability probe failed'); return undefined; }),
    ]);
    const inventory: InventoryEntry[] = list.map((s) => ({ instanceId: s.instanceId, power: s.power, ...(s.reason ? { reason: s.reason } : {}) }));
    this.send({
      type: 'hello', protocol: agentProtocolVersion, token: this.token, hostName: this.opts.hostName, address: this.opts.address,
      hypervisor: this.opts.driver.kind, facts, pools, inventory, agentVersion: this.opts.agentVersion ?? '0.2.0',
      capabilities: [...this.opts.driver.capabilities()], jobs: this.jobs.summaries(),
      ...(netCaps ? { networkCapabilities: { vlan8021q: netCaps.vlan8021q } } : {}),
    });
  }

  private onMessage(msg: ServerToAgent): void {
    switch (msg.type) {
      case 'welcome':
        this.hostId = msg.hostId;
        this.generation = msg.generation ?? null;
        this.lastError = null;
        if (msg.hostToken !== this.token) { this.token = msg.hostToken; this.opts.saveHostToken?.(msg.hostToken); }
        this.retryMs = this.opts.reconnect?.minMs ?? 500;
        if (this.heartbeat) clearInterval(this.heartbeat);
        // Protocol 2 servers answer every heartbeat (a lease frame): their silence means a dead link.
        this.heartbeat = setInterval(() => { if ((msg.protocol ?? 1) < 2 || !this.dropIfSilent(msg.heartbeatIntervalMs)) void this.sendHeartbeat(); }, msg.heartbeatIntervalMs);
        this.heartbeat.unref();
        this.log.info({ hostId: msg.hostId, generation: msg.generation }, 'connected to server');
        void this.sendHeartbeat(); // renew the lease now: a reconnect must not wait a whole interval
        for (const w of this.connectedWaiters.splice(0)) w();
        return;
      case 'call': void this.handleCall(msg); return;
      case 'lease': this.lease.renewed(msg); return;
      case 'console-input':
        this.opts.driver.consoleWrite(msg.instanceId, Buffer.from(msg.data, 'base64')).catch(() => undefined);
        return;
      case 'display-data': this.displays.data(msg.streamId, Buffer.from(msg.data, 'base64')); return;
      case 'display-close': this.displays.close(msg.streamId); return;
      case 'error':
        this.lastError = `${msg.code}: ${msg.message}`;
        this.log.error({ code: msg.code }, `server refused this agent: ${msg.message}`);
        return;
    }
  }

  private now(): number { return (this.opts.clock ?? systemClock).now(); }

  /**
   * A connection on which the server has said nothing for `silentBeats` heartbeats is dead (a cut
   * cable leaves TCP half-open for many minutes, and the link would never carry the new registration
   * a fenced host needs to be let back in): drop it, and the reconnect loop dials again.
   */
  private dropIfSilent(intervalMs: number): boolean {
    const silentMs = this.now() - this.lastServerFrameAt;
    if (this.ws?.readyState !== WebSocket.OPEN || silentMs <= (this.opts.deadLinkAfterMs ?? Math.max(intervalMs * silentBeats, silentMinMs))) return false;
    this.log.warn({ silentMs }, 'the server has not answered for several heartbeats; dropping the connection and dialling again');
    this.ws.terminate();
    return true;
  }

  private async sendHeartbeat(): Promise<void> {
    try {
      const pools = await this.opts.volumes.pools();
      const metrics = this.isConnected() ? this.sampler?.takeBatch() : null;
      const at = new Date().toISOString();
      this.lease.heartbeatSent(at);
      this.send({ type: 'heartbeat', at, pools, ...this.generationField(), ...(metrics ? { metrics } : {}) });
    } catch { /* next time */ }
  }

  private async handleCall(msg: CallMessage): Promise<void> {
    try {
      if (!isAgentMethod(msg.method)) throw Object.assign(new Error(`this agent does not know the method ${msg.method}`), { code: 'unknown_method' });
      if (msg.generation !== undefined && this.generation !== null && msg.generation < this.generation) {
        throw Object.assign(new Error(`call made for registration ${msg.generation} of this host, which is now at ${this.generation}`), { code: 'stale_generation' });
      }
      const method = msg.method;
      const params = checkParams(method, msg.params);
      if (agentMethodDefs[method].job) {
        const key = msg.jobKey ?? `${method}:${msg.id}:${Date.now()}`;
        const { jobId, attached } = this.jobs.start(key, method, msg.timeoutMs, (ctx) => this.run(method, params, ctx));
        if (attached) this.log.info({ jobId, key }, 're-attached to a running job');
        this.send({ type: 'reply', id: msg.id, ok: true, job: { jobId } });
        return;
      }
      const result = await this.run(method, params, {});
      this.send({ type: 'reply', id: msg.id, ok: true, result });
    } catch (e) {
      this.send({ type: 'reply', id: msg.id, ok: false, error: wireErrorOf(e) });
    }
  }

  private run<M extends AgentMethod>(method: M, params: AgentMethods[M], ctx: Parameters<CallHandlers[M]>[1]): Promise<unknown> {
    const handler = this.handlers[method] as (p: AgentMethods[M], c: typeof ctx) => Promise<unknown>;
    return handler(params, ctx);
  }

  private onDriverEvent(e: DriverEvent): void {
    if (e.kind === 'power') {
      this.send({ type: 'observed', instances: [{ instanceId: e.instanceId, power: e.power, ...(e.reason ? { reason: e.reason } : {}) }], ...this.generationField() });
    } else {
      this.send({ type: 'console', instanceId: e.instanceId, data: e.data.toString('base64') });
    }
  }

  /** Drop the WebSocket as a network blip would; the agent reconnects and its jobs run on. */
  dropConnection(): void { this.ws?.terminate(); }

  /**
   * A cut network, for tests: the link drops and stays down until restoreNetwork(), while the host
   * (its driver, its guests, its lease keeper) runs on.
   */
  cutNetwork(): void {
    this.networkCut = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.ws?.terminate();
  }

  restoreNetwork(): void {
    if (!this.networkCut) return;
    this.networkCut = false;
    if (!this.closed && !this.reconnectTimer && this.ws?.readyState !== WebSocket.OPEN) this.connect();
  }

  /** Drop the connection without telling anyone (a crashed host, for tests). */
  kill(): void {
    this.closed = true;
    this.sampler?.stop();
    this.lease.stop();
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.ws?.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sampler?.stop();
    this.lease.stop();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.unsubscribe();
    this.displays.closeAll();
    this.jobs.abortAll();
    await this.transfers.closeAll();
    await this.opts.network?.close();
    if (this.heartbeat) clearInterval(this.heartbeat);
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((r) => { ws.once('close', () => r()); ws.close(); setTimeout(r, 2000).unref(); });
    }
  }
}
