import type { WebSocket } from 'ws';
import { newId, type Clock } from '@kumo/core';
import {
  ApiError, agentProtocolVersion, type AgentMethod, type AgentMethods, type AgentToServer, type HelloMessage, type InventoryEntry,
} from '@kumo/api';
import type { HostRow, Repos } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import { hashSecret, newSecret, secretsEqual, splitCredential } from '../services/secrets.ts';
import type { EventLog } from '../services/event-log.ts';
import type { Notifier } from '../services/notifier.ts';
import { AgentSession } from './agent-session.ts';

export interface GatewayHooks {
  /** An agent reported instance states; `full` means it is its whole inventory (hello). */
  onInventory(hostId: string, entries: InventoryEntry[], full: boolean): void;
}

export interface GatewayOptions { heartbeatIntervalMs: number; helloTimeoutMs: number }

/** Agents dial in over WebSocket; this keeps one session per host and relays calls and reports. */
export class AgentGateway {
  private readonly sessions = new Map<string, AgentSession>();
  private readonly consoleListeners = new Map<string, Set<(data: Buffer) => void>>();
  hooks: GatewayHooks = { onInventory: () => undefined };

  constructor(
    private readonly repos: Repos,
    private readonly clock: Clock,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly log: FastifyBaseLogger,
    readonly opts: GatewayOptions,
  ) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  isConnected(hostId: string): boolean { return this.sessions.has(hostId); }
  connectedCount(): number { return this.sessions.size; }

  call<M extends AgentMethod>(hostId: string, method: M, params: AgentMethods[M], timeoutMs: number): Promise<unknown> {
    const s = this.sessions.get(hostId);
    if (!s) return Promise.reject(new ApiError('host_unavailable', `host ${hostId} is not connected`));
    return s.call(method, params, timeoutMs);
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

  /** Handle one new WebSocket from an agent, for its whole life. */
  accept(socket: WebSocket): void {
    let session: AgentSession | null = null;
    const helloTimer = setTimeout(() => {
      if (!session) socket.close(4000, 'no hello');
    }, this.opts.helloTimeoutMs);
    socket.on('message', (raw: Buffer) => {
      let msg: AgentToServer;
      try { msg = JSON.parse(raw.toString('utf8')) as AgentToServer; } catch { socket.close(4002, 'bad json'); return; }
      if (!session) {
        if (msg.type !== 'hello') { socket.close(4001, 'hello expected'); return; }
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

  private async authenticate(msg: HelloMessage): Promise<{ host: HostRow | undefined; clusterId: string }> {
    const cred = splitCredential(msg.token);
    if (!cred) throw new ApiError('unauthenticated', 'malformed agent token');
    if (cred.id.startsWith('host-')) {
      const host = await this.repos.db.selectFrom('hosts').selectAll().where('id', '=', cred.id).executeTakeFirst();
      if (!host || !secretsEqual(host.tokenHash, hashSecret(cred.secret))) throw new ApiError('unauthenticated', 'unknown host credentials');
      return { host, clusterId: host.clusterId };
    }
    const jt = await this.repos.db.selectFrom('joinTokens').selectAll().where('id', '=', cred.id).executeTakeFirst();
    if (!jt || !secretsEqual(jt.secretHash, hashSecret(cred.secret))) throw new ApiError('unauthenticated', 'unknown join token');
    if (jt.expiresAt < this.iso()) throw new ApiError('unauthenticated', 'join token expired; make a new one with `kumo host join-token`');
    return { host: await this.repos.hosts.byName(jt.clusterId, msg.hostName), clusterId: jt.clusterId };
  }

  private async hello(socket: WebSocket, msg: HelloMessage): Promise<AgentSession> {
    if (msg.protocol !== agentProtocolVersion) throw new ApiError('bad_request', `agent protocol ${msg.protocol} is not supported (server speaks ${agentProtocolVersion})`);
    const { host: existing, clusterId } = await this.authenticate(msg);
    const cluster = await this.repos.db.selectFrom('clusters').selectAll().where('id', '=', clusterId).executeTakeFirstOrThrow();
    if (cluster.hypervisor !== msg.hypervisor) {
      throw new ApiError('bad_request', `cluster ${cluster.name} runs ${cluster.hypervisor}, this agent offers ${msg.hypervisor}`);
    }
    const secret = newSecret();
    const now = this.iso();
    const facts = {
      address: msg.address, accelerator: msg.facts.accelerator, cpuModel: msg.facts.cpuModel, hypervisorVersion: msg.facts.hypervisorVersion,
      agentVersion: msg.agentVersion, cpus: msg.facts.cpus, memoryMiB: msg.facts.memoryMiB, lastHeartbeatAt: now, connectedAt: now,
      vlanCapable: msg.networkCapabilities === undefined ? null : msg.networkCapabilities.vlan8021q ? 1 : 0,
    };
    let hostId: string;
    await this.repos.db.transaction().execute(async (trx) => {
      if (existing) {
        hostId = existing.id;
        await trx.updateTable('hosts').set({ ...facts, state: 'up', tokenHash: hashSecret(secret), version: existing.version + 1 }).where('id', '=', hostId).execute();
      } else {
        hostId = newId('host', this.clock.now());
        await trx.insertInto('hosts').values({
          id: hostId, zoneId: cluster.zoneId, podId: cluster.podId, clusterId, name: msg.hostName, hypervisor: msg.hypervisor,
          state: 'up', adminState: 'enabled', ...facts, cpuAllocated: 0, memoryAllocatedMiB: 0, tags: '[]', dedicatedAccountId: null,
          tokenHash: hashSecret(secret), createdAt: now, version: 1,
        }).execute();
      }
      // Local pools: one per path the agent offers.
      for (const p of msg.pools) {
        const pool = await trx.selectFrom('pools').select(['id']).where('hostId', '=', hostId).where('path', '=', p.path).executeTakeFirst();
        if (pool) await trx.updateTable('pools').set({ capacityGiB: p.capacityGiB, usedGiB: p.usedGiB }).where('id', '=', pool.id).execute();
        else {
          await trx.insertInto('pools').values({
            id: newId('pool', this.clock.now()), zoneId: cluster.zoneId, clusterId, hostId, name: `local-${msg.hostName}${msg.pools.length > 1 ? `-${msg.pools.indexOf(p)}` : ''}`,
            kind: 'local', path: p.path, capacityGiB: p.capacityGiB, allocatedGiB: 0, usedGiB: p.usedGiB, overcommit: 1, createdAt: now,
          }).execute();
        }
      }
    });
    const id = hostId!;
    this.sessions.get(id)?.close(); // a newer connection replaces an older one
    const session = new AgentSession(id, socket);
    this.sessions.set(id, session);
    session.send({ type: 'welcome', hostId: id, hostToken: `${id}.${secret}`, heartbeatIntervalMs: this.opts.heartbeatIntervalMs, serverTime: now });
    await this.events.record({ accountId: 'acct-system', resourceType: 'host', resourceId: id, kind: existing ? 'host.reconnected' : 'host.joined', message: `host ${msg.hostName} connected (${msg.inventory.length} instances reported)` });
    this.notifier.publish({ kind: 'host', id });
    this.hooks.onInventory(id, msg.inventory, true);
    return session;
  }

  private async onMessage(session: AgentSession, msg: AgentToServer): Promise<void> {
    switch (msg.type) {
      case 'reply': session.onReply(msg); return;
      case 'heartbeat':
        await this.repos.db.updateTable('hosts').set({ lastHeartbeatAt: this.iso() }).where('id', '=', session.hostId).execute();
        for (const p of msg.pools) {
          await this.repos.db.updateTable('pools').set({ usedGiB: p.usedGiB, capacityGiB: p.capacityGiB }).where('hostId', '=', session.hostId).where('path', '=', p.path).execute();
        }
        return;
      case 'observed': this.hooks.onInventory(session.hostId, msg.instances, false); return;
      case 'console': {
        const set = this.consoleListeners.get(msg.instanceId);
        if (set) { const buf = Buffer.from(msg.data, 'base64'); for (const fn of set) fn(buf); }
        return;
      }
      case 'hello': return; // only the first one counts
    }
  }

  private async disconnected(session: AgentSession): Promise<void> {
    session.close();
    if (this.sessions.get(session.hostId) !== session) return; // replaced by a newer connection
    this.sessions.delete(session.hostId);
    await this.repos.db.updateTable('hosts').set({ state: 'disconnected' }).where('id', '=', session.hostId).where('state', '=', 'up').execute();
    this.notifier.publish({ kind: 'host', id: session.hostId });
  }

  /** Close every agent connection (server shutdown). */
  closeAll(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}
