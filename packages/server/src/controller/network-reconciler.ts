import type { Clock } from '@kumo/core';
import type { AgentResults } from '@kumo/api';
import type { Repos } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import type { Notifier } from '../services/notifier.ts';
import { loadHostNetworkRows } from '../services/network-spec-rows.ts';
import { buildHostNetworkSpec } from '../services/network-spec-builder.ts';
import { AgentCallError } from '../gateway/agent-call-error.ts';
import { routerOutcomeOfRefusal, routerOutcomeOfReport, type RouterApplyOutcome } from './router-apply-outcome.ts';
import { WorkQueue } from './work-queue.ts';

/** Host states in which a router stays where it is. */
const ROUTER_STAYS_ON: ReadonlySet<string> = new Set(['up', 'disconnected']);
/** Routers leave a host going into (or in) maintenance; a disabled host keeps the ones it has. */
const ROUTER_LEAVES_ADMIN: ReadonlySet<string> = new Set(['preparing-maintenance', 'in-maintenance']);

export interface NetworkReconcilerOptions { resyncIntervalMs: number; applyTimeoutMs: number }

/**
 * Keeps every host's guest networking equal to what the database says: on any network change, host
 * (re)connection, or periodic resync it rebuilds the host's whole spec (netagent's HostNetworkSpec)
 * from the database and sends it with `network.apply`. Routers without a live host are placed first.
 * Nothing here is remembered that cannot be rebuilt: the spec is derived anew every time.
 */
export class NetworkReconciler {
  private readonly queue: WorkQueue;
  /** Networks each host was last given: a deleted network still needs its old hosts updated. */
  private readonly lastNetworks = new Map<string, Set<string>>();
  private readonly generations = new Map<string, number>();
  private timer: unknown = null;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly repos: Repos,
    private readonly gateway: AgentGateway,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly opts: NetworkReconcilerOptions,
  ) {
    this.queue = new WorkQueue(clock, { concurrency: 4, baseBackoffMs: 500, maxBackoffMs: 30_000 });
  }

  start(): void {
    this.unsubscribe = this.notifier.subscribe((c) => {
      if (c.kind === 'network') void this.enqueueNetwork(c.id);
      if (c.kind === 'host') {
        // A host that went down (or came up) may orphan routers or offer them a new home.
        void this.placeRouters().catch((e: unknown) => this.log.error({ err: e }, 'router placement failed'));
        this.queue.add(c.id);
      }
    });
    this.queue.start(async (hostId) => {
      try {
        await this.applyHost(hostId);
        this.queue.forget(hostId);
      } catch (e) {
        const ms = this.queue.addRateLimited(hostId);
        this.log.warn({ hostId, err: (e as Error).message, retryInMs: ms }, 'network apply failed');
      }
    });
    this.scheduleResync();
  }

  private scheduleResync(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      void this.resync().finally(() => this.scheduleResync());
    }, this.opts.resyncIntervalMs);
  }

  /** Every connected host that has (or had) guest networking gets its spec again. */
  async resync(): Promise<void> {
    try {
      await this.placeRouters();
      const rows = await this.repos.db.selectFrom('hosts').select('id').where('state', '=', 'up').execute();
      for (const r of rows) if (this.gateway.isConnected(r.id) && (await this.hasNetworking(r.id))) this.queue.add(r.id);
    } catch (e) { this.log.error({ err: e }, 'network resync failed'); }
  }

  private async hasNetworking(hostId: string): Promise<boolean> {
    if ((this.lastNetworks.get(hostId)?.size ?? 0) > 0) return true;
    const nic = await this.repos.db.selectFrom('nics').innerJoin('instances', 'instances.id', 'nics.instanceId')
      .select('nics.id').where('instances.hostId', '=', hostId).limit(1).executeTakeFirst();
    const router = await this.repos.db.selectFrom('routers').select('id').where('hostId', '=', hostId).limit(1).executeTakeFirst();
    return nic !== undefined || router !== undefined;
  }

  /** Hosts that carry a network: its NICs' hosts, its router's host, and those that had it. */
  async hostsOfNetwork(networkId: string): Promise<Set<string>> {
    const out = new Set<string>();
    const nicHosts = await this.repos.db.selectFrom('nics').innerJoin('instances', 'instances.id', 'nics.instanceId')
      .select(['instances.hostId', 'instances.targetHostId']).where('nics.networkId', '=', networkId).where('instances.hostId', 'is not', null).execute();
    for (const r of nicHosts) for (const h of [r.hostId, r.targetHostId]) if (h) out.add(h); // a migrating guest's target carries it too
    const router = await this.repos.db.selectFrom('routers').select('hostId').where('networkId', '=', networkId).executeTakeFirst();
    if (router?.hostId) out.add(router.hostId);
    for (const [hostId, nets] of this.lastNetworks) if (nets.has(networkId)) out.add(hostId);
    return out;
  }

  private async enqueueNetwork(networkId: string): Promise<void> {
    try {
      await this.placeRouters();
      for (const h of await this.hostsOfNetwork(networkId)) this.queue.add(h);
    } catch (e) { this.log.error({ err: e, networkId }, 'network change handling failed'); }
  }

  /**
   * Routers (and DHCP servers) without a host, or whose host is down, in maintenance or deleted, go
   * to an up, connected host of their zone: one that already carries the network's guests if
   * possible, else the one with the fewest routers (QEMU and LXC hosts alike: both run the same host networking). A host that is only `disconnected` (its agent
   * restarting, the server restarting, a short network cut) keeps its routers: its namespaces keep
   * forwarding without an agent, and a second copy elsewhere would answer for the same public
   * addresses. They move once the host is declared down.
   */
  async placeRouters(): Promise<void> {
    const db = this.repos.db;
    const routers = await db.selectFrom('routers').innerJoin('networks', 'networks.id', 'routers.networkId')
      .leftJoin('hosts', 'hosts.id', 'routers.hostId')
      .select(['routers.id', 'routers.networkId', 'routers.hostId', 'routers.version', 'networks.zoneId', 'hosts.state as hostState', 'hosts.adminState as hostAdminState'])
      .execute();
    for (const r of routers) {
      if (r.hostId && r.hostState !== null && ROUTER_STAYS_ON.has(r.hostState) && !ROUTER_LEAVES_ADMIN.has(r.hostAdminState ?? '')) continue;
      const candidates = (await db.selectFrom('hosts').select('id').where('zoneId', '=', r.zoneId).where('state', '=', 'up').where('adminState', '=', 'enabled').orderBy('id').execute())
        .filter((h) => this.gateway.isConnected(h.id));
      if (candidates.length === 0) continue;
      const withGuests = await this.hostsOfNetwork(r.networkId);
      const load = new Map<string, number>();
      for (const x of await db.selectFrom('routers').select('hostId').where('hostId', 'is not', null).execute()) load.set(x.hostId!, (load.get(x.hostId!) ?? 0) + 1);
      const pick = candidates.find((h) => withGuests.has(h.id))
        ?? [...candidates].sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0))[0]!;
      const now = new Date(this.clock.now()).toISOString();
      const res = await db.updateTable('routers').set({ hostId: pick.id, state: 'starting', stateReason: null, version: r.version + 1, updatedAt: now })
        .where('id', '=', r.id).where('version', '=', r.version).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) continue; // someone else placed it
      await db.updateTable('networks').set({ updatedAt: now }).where('id', '=', r.networkId).execute();
      this.log.info({ routerId: r.id, hostId: pick.id }, 'router placed');
      for (const h of [...withGuests, pick.id, ...(r.hostId ? [r.hostId] : [])]) this.queue.add(h);
    }
  }

  /** Build this host's spec from the database and have its agent apply it. */
  async applyHost(hostId: string, opts: { placeRouters?: boolean } = {}): Promise<void> {
    if (!this.gateway.isConnected(hostId)) return; // it gets everything again when it reconnects
    if (opts.placeRouters !== false) await this.placeRouters();
    const generation = Math.max(this.clock.now(), (this.generations.get(hostId) ?? 0) + 1);
    this.generations.set(hostId, generation);
    const spec = buildHostNetworkSpec(await loadHostNetworkRows(this.repos.db, hostId, generation));
    const routerIds = [...spec.routers.map((r) => r.routerId), ...spec.dhcpServers.map((d) => d.serverId)];
    let report: AgentResults['network.apply'];
    try {
      report = await this.gateway.call(hostId, 'network.apply', { spec }, this.opts.applyTimeoutMs);
    } catch (e) {
      // The agent answered with a refusal (an invalid spec, say): its routers are in error until an
      // apply succeeds. A timeout or a lost connection says nothing about them: they keep their state.
      if (e instanceof AgentCallError && e.code !== 'timeout') await this.recordRouters(hostId, routerOutcomeOfRefusal(routerIds, e));
      throw e;
    }
    await this.recordRouters(hostId, routerOutcomeOfReport(routerIds, report));
    const nets = new Set(spec.networks.map((n) => n.networkId));
    const before = this.lastNetworks.get(hostId) ?? new Set<string>();
    this.lastNetworks.set(hostId, nets);
    // Peers learn about this host (VXLAN flood lists) when it gains or loses a network.
    for (const n of new Set([...nets, ...before])) {
      if (nets.has(n) !== before.has(n)) for (const other of await this.hostsOfNetwork(n)) if (other !== hostId) this.queue.add(other);
    }
  }

  /** Router states from an apply: `running`, or `error` with the reason (GET /networks/{id}, /routers). */
  private async recordRouters(hostId: string, outcome: RouterApplyOutcome): Promise<void> {
    const changed = await this.repos.routers.recordApplied(hostId, outcome.running, outcome.failed, new Date(this.clock.now()).toISOString());
    if (changed.length > 0) this.log.info({ hostId, running: outcome.running, failed: Object.fromEntries(outcome.failed) }, 'router states changed');
  }

  /**
   * Before a guest with NICs starts (or is restored): its host's spec, so the bridges its taps join
   * exist; then, in parallel and best effort, every other host of its networks, so that the router
   * or DHCP server already has its lease and the VXLAN flood lists include its host when its first
   * DHCP request goes out (otherwise that request is lost and the guest waits for its client's retry,
   * 3 s with busybox udhcpc). A host that cannot be reached now is queued and gets it later.
   */
  async prepareInstanceStart(hostId: string, instanceId: string): Promise<void> {
    await this.applyHost(hostId); // places orphaned routers first, once
    const nets = await this.repos.db.selectFrom('nics').select('networkId').where('instanceId', '=', instanceId).execute();
    const others = new Set<string>();
    for (const n of nets) for (const h of await this.hostsOfNetwork(n.networkId)) if (h !== hostId) others.add(h);
    await Promise.all([...others].map(async (h) => {
      try {
        await this.applyHost(h, { placeRouters: false });
      } catch (e) {
        this.log.warn({ hostId: h, instanceId, err: (e as Error).message }, 'network apply before a guest start failed; queued');
        this.queue.add(h);
      }
    }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    await this.queue.stop();
  }
}
