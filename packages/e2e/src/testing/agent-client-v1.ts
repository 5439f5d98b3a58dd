import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import WebSocket from 'ws';
import type { Driver, DriverEvent, InstanceSpec } from '@kumo/core';
import type { VolumeManager } from '@kumo/agent';

/*
 * The host agent as released with agent protocol 1 (commit c3118c4), kept verbatim but for these
 * local frame types (protocol 1's own), so that a test can run a v1 agent against today's server
 * (rolling host upgrades). Do not modernise it: it stands for agents already deployed.
 */
const agentProtocolVersion = 1;
type AgentMethods = {
  'instance.start': { spec: InstanceSpec; image: unknown };
  'instance.stop': { instanceId: string; force: boolean; timeoutSec: number; statePath?: string };
  'instance.reboot': { instanceId: string }; 'instance.pause': { instanceId: string }; 'instance.resume': { instanceId: string };
  'instance.save': { instanceId: string; statePath: string };
  'instance.restore': { spec: InstanceSpec; image: unknown; statePath: string };
  'instance.destroy': { instanceId: string; statePath?: string };
  'instance.inspect': { instanceId: string }; 'instance.consoleLog': { instanceId: string };
  'network.apply': { spec: unknown };
  'volume.create': Parameters<VolumeManager['create']>[0]; 'volume.delete': Parameters<VolumeManager['delete']>[0];
};
type AgentMethod = keyof AgentMethods;
interface InventoryEntry { instanceId: string; power: string; reason?: string }
interface CallMessage { type: 'call'; id: string; method: AgentMethod; params: AgentMethods[AgentMethod]; timeoutMs: number }
type ServerToAgent =
  | { type: 'welcome'; hostId: string; hostToken: string; heartbeatIntervalMs: number; serverTime: string }
  | CallMessage
  | { type: 'console-input'; instanceId: string; data: string }
  | { type: 'error'; code: string; message: string };
type AgentToServer = Record<string, unknown> & { type: string };

interface AgentLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AgentOptionsV1 {
  /** http(s)://host:port of the management server. */
  serverUrl: string;
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
  network?: {
    apply(spec: unknown): Promise<unknown>;
    close(): Promise<void>;
    /** What the host kernel can do for guest networking, reported in the hello. */
    capabilities?(): Promise<{ vlan8021q: boolean }>;
  };
  /** Turn the server's start request into the driver's spec (fetch the image, fill in boot files). */
  prepareStart?: (req: AgentMethods['instance.start']) => Promise<InstanceSpec>;
  agentVersion?: string;
}

const silent: AgentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The host agent's link to the server: dials the WebSocket, says hello with the host's facts and its
 * full inventory, runs the server's calls on the driver, and reports what the driver observes.
 * Reconnects forever with backoff; on every reconnect the inventory is sent again.
 */
export class AgentClientV1 {
  private ws: WebSocket | null = null;
  private token: string;
  private closed = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private retryMs: number;
  private readonly log: AgentLogger;
  private readonly unsubscribe: () => void;
  hostId: string | null = null;
  private connectedWaiters: Array<() => void> = [];
  /** Rejections from the server (e.g. an expired token), for the CLI to show. */
  lastError: string | null = null;

  constructor(private readonly opts: AgentOptionsV1) {
    this.token = opts.token;
    this.log = opts.log ?? silent;
    this.retryMs = opts.reconnect?.minMs ?? 500;
    this.unsubscribe = opts.driver.onEvent((e) => this.onDriverEvent(e));
  }

  start(): void { this.connect(); }

  /** The credentials the agent uses now (the host token once welcomed). */
  currentToken(): string { return this.token; }

  /** Resolves once the server has welcomed this agent. */
  connected(): Promise<void> {
    if (this.hostId && this.ws?.readyState === WebSocket.OPEN) return Promise.resolve();
    return new Promise((r) => this.connectedWaiters.push(r));
  }

  isConnected(): boolean { return this.ws?.readyState === WebSocket.OPEN && this.hostId !== null; }

  private connect(): void {
    if (this.closed) return;
    const url = `${this.opts.serverUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}/api/v1/agent`;
    const ws = new WebSocket(url, { handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => { this.sendHello().catch((e: unknown) => this.log.error({ err: String(e) }, 'hello failed')); });
    ws.on('message', (raw: Buffer) => {
      let msg: ServerToAgent;
      try { msg = JSON.parse(raw.toString('utf8')) as ServerToAgent; } catch { return; }
      this.onMessage(msg);
    });
    ws.on('close', () => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.heartbeat = null;
      this.hostId = null;
      if (this.closed) return;
      const ms = this.retryMs;
      this.retryMs = Math.min(this.retryMs * 2, this.opts.reconnect?.maxMs ?? 15_000);
      setTimeout(() => this.connect(), ms).unref();
    });
    ws.on('error', (e) => { this.log.warn({ err: e.message }, 'server connection error'); });
  }

  private send(msg: AgentToServer): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private async sendHello(): Promise<void> {
    const [facts, list, pools, caps] = await Promise.all([
      this.opts.driver.facts(), this.opts.driver.list(), this.opts.volumes.pools(),
      this.opts.network?.capabilities?.().catch((e: unknown) => { this.log.warn({ err: String(e) }, 'network capability probe failed'); return undefined; }),
    ]);
    const inventory: InventoryEntry[] = list.map((s) => ({ instanceId: s.instanceId, power: s.power, ...(s.reason ? { reason: s.reason } : {}) }));
    this.send({
      type: 'hello', protocol: agentProtocolVersion, token: this.token, hostName: this.opts.hostName, address: this.opts.address,
      hypervisor: this.opts.driver.kind, facts, pools, inventory, agentVersion: this.opts.agentVersion ?? '0.1.0',
      ...(caps ? { networkCapabilities: { vlan8021q: caps.vlan8021q } } : {}),
    });
  }

  private onMessage(msg: ServerToAgent): void {
    switch (msg.type) {
      case 'welcome':
        this.hostId = msg.hostId;
        this.lastError = null;
        if (msg.hostToken !== this.token) { this.token = msg.hostToken; this.opts.saveHostToken?.(msg.hostToken); }
        this.retryMs = this.opts.reconnect?.minMs ?? 500;
        if (this.heartbeat) clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => { void this.sendHeartbeat(); }, msg.heartbeatIntervalMs);
        this.heartbeat.unref();
        this.log.info({ hostId: msg.hostId }, 'connected to server');
        for (const w of this.connectedWaiters.splice(0)) w();
        return;
      case 'call': void this.handleCall(msg); return;
      case 'console-input':
        this.opts.driver.consoleWrite(msg.instanceId, Buffer.from(msg.data, 'base64')).catch(() => undefined);
        return;
      case 'error':
        this.lastError = `${msg.code}: ${msg.message}`;
        this.log.error({ code: msg.code }, `server refused this agent: ${msg.message}`);
        return;
    }
  }

  private async sendHeartbeat(): Promise<void> {
    try { this.send({ type: 'heartbeat', at: new Date().toISOString(), pools: await this.opts.volumes.pools() }); } catch { /* next time */ }
  }

  private async handleCall(msg: CallMessage): Promise<void> {
    try {
      const result = await this.dispatch(msg.method, msg.params);
      this.send({ type: 'reply', id: msg.id, ok: true, result });
    } catch (e) {
      const err = e as Error & { code?: string };
      this.send({ type: 'reply', id: msg.id, ok: false, error: { code: err.code ?? 'host_failure', message: err.message } });
    }
  }

  private async dispatch(method: AgentMethod, params: AgentMethods[AgentMethod]): Promise<unknown> {
    const d = this.opts.driver;
    const p = params as never;
    switch (method) {
      case 'instance.start': {
        const req = p as AgentMethods['instance.start'];
        return d.start(this.opts.prepareStart ? await this.opts.prepareStart(req) : req.spec);
      }
      case 'instance.stop': {
        const s = p as AgentMethods['instance.stop'];
        const r = await d.stop(s.instanceId, { force: s.force, timeoutSec: s.timeoutSec });
        if (s.statePath) await rm(s.statePath, { force: true }); // stopping a saved instance discards its memory
        return r;
      }
      case 'instance.save': { const s = p as AgentMethods['instance.save']; await mkdir(dirname(s.statePath), { recursive: true }); return d.save(s.instanceId, s.statePath); }
      case 'instance.restore': {
        const req = p as AgentMethods['instance.restore'];
        const spec = this.opts.prepareStart ? await this.opts.prepareStart({ spec: req.spec, image: req.image }) : req.spec;
        const r = await d.restore(spec, req.statePath);
        await rm(req.statePath, { force: true });
        return r;
      }
      case 'instance.reboot': return d.reboot((p as AgentMethods['instance.reboot']).instanceId);
      case 'instance.pause': return d.pause((p as AgentMethods['instance.pause']).instanceId);
      case 'instance.resume': return d.resume((p as AgentMethods['instance.resume']).instanceId);
      case 'instance.destroy': {
        const s = p as AgentMethods['instance.destroy'];
        await d.destroy(s.instanceId);
        if (s.statePath) await rm(s.statePath, { force: true });
        return null;
      }
      case 'instance.inspect': return d.inspect((p as AgentMethods['instance.inspect']).instanceId);
      case 'instance.consoleLog': return (await d.consoleLog((p as AgentMethods['instance.consoleLog']).instanceId)).toString('base64');
      case 'network.apply': {
        if (!this.opts.network) throw Object.assign(new Error('this host runs no network agent'), { code: 'invalid_state' });
        return this.opts.network.apply((p as AgentMethods['network.apply']).spec);
      }
      case 'volume.create': return this.opts.volumes.create(p);
      case 'volume.delete': await this.opts.volumes.delete(p); return null;
    }
  }

  private onDriverEvent(e: DriverEvent): void {
    if (e.kind === 'power') {
      this.send({ type: 'observed', instances: [{ instanceId: e.instanceId, power: e.power, ...(e.reason ? { reason: e.reason } : {}) }] });
    } else {
      this.send({ type: 'console', instanceId: e.instanceId, data: e.data.toString('base64') });
    }
  }

  /** Drop the connection without telling anyone (a crashed host, for tests). */
  kill(): void {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.ws?.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await this.opts.network?.close();
    if (this.heartbeat) clearInterval(this.heartbeat);
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((r) => { ws.once('close', () => r()); ws.close(); setTimeout(r, 2000).unref(); });
    }
  }
}
