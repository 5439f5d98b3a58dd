import type { Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import type { EventLog } from '../services/event-log.ts';
import type { Notifier } from '../services/notifier.ts';
import type { OperationService } from '../services/operation-service.ts';
import { WorkQueue } from './work-queue.ts';
import { InstanceReconciler, type ReconcilerTimeouts } from './instance-reconciler.ts';
import { InventorySync } from './inventory-sync.ts';
import { HostMonitor } from './host-monitor.ts';
import { NetworkReconciler } from './network-reconciler.ts';
import { CasLost, ParkedError, WaitError, asTerminal, isRetryable } from './errors.ts';
import { parseWorkKey, workKey, type Reconciler, type ResourceKind, type WorkKey } from './reconciler.ts';
import { VolumeReconciler } from './volume-reconciler.ts';
import { SnapshotReconciler } from './snapshot-reconciler.ts';
import { VolumeDeviceSteps } from './volume-device-steps.ts';
import { HostReconciler } from './host-reconciler.ts';
import { HostPorts } from './host-ports.ts';
import { InstanceMigration } from './instance-migration.ts';
import { BaseGarbageCollector } from './base-garbage-collector.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import { ownsEverything, type WorkOwnership } from '../cluster/work-ownership.ts';

export interface ControllerOptions {
  workers: number;
  resyncIntervalMs: number;
  maxRetries: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  waitRetryMs: number;
  heartbeatIntervalMs: number;
  hostDownAfterMs: number;
  /** How often hosts are told which image versions exist, to drop unused cached bases (0: never). */
  baseGcIntervalMs: number;
  timeouts: ReconcilerTimeouts;
  /** How long a running guest has to release a disk being detached before the detach fails (the disk stays). */
  detachTimeoutSec: number;
  /** Where the image store keeps snapshot files (the server's data directory). */
  snapshotStoreDir: string;
}

export const defaultControllerOptions: ControllerOptions = {
  workers: 16,
  resyncIntervalMs: 30_000,
  maxRetries: 8,
  baseBackoffMs: 250,
  maxBackoffMs: 30_000,
  waitRetryMs: 2_000,
  heartbeatIntervalMs: 10_000,
  hostDownAfterMs: 120_000,
  baseGcIntervalMs: 3_600_000,
  timeouts: { startMs: 180_000, stopGraceExtraMs: 30_000, quickMs: 60_000, provisionMs: 600_000 },
  detachTimeoutSec: 60,
  snapshotStoreDir: '',
};

/**
 * The control loop: one work queue of keys (`instance:ID`, `volume:ID`, `host:ID`) fed by API
 * changes, agent reports and a periodic resync of everything unsettled, with per-key backoff.
 * Each resource kind registers a Reconciler; after a restart the resync alone finds all unfinished work.
 */
export class Controller {
  readonly queue: WorkQueue;
  readonly instances: InstanceReconciler;
  readonly volumes: VolumeReconciler;
  readonly snapshots: SnapshotReconciler;
  readonly hosts: HostReconciler;
  readonly inventory: InventorySync;
  readonly networks: NetworkReconciler;
  /** Ports on hosts for host-to-host transfers. */
  readonly hostPorts: HostPorts;
  /** Drops cached base images no volume uses and whose image version is gone. */
  readonly baseGc: BaseGarbageCollector;
  private readonly reconcilers = new Map<string, Reconciler>();
  private readonly hostMonitor: HostMonitor;
  private resyncTimer: unknown = null;
  private hostTimer: unknown = null;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private unsubscribeGained: (() => void) | null = null;
  /**
   * Which resources this server reconciles (several servers: shard leases, cluster/shard-leases.ts).
   * Keys of resources it does not own are dropped from the queue; gaining shards triggers a resync.
   */
  ownership: WorkOwnership = ownsEverything;

  constructor(
    private readonly repos: Repos,
    gateway: AgentGateway,
    ops: OperationService,
    events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly opts: ControllerOptions,
    private readonly metrics?: ServerMetrics,
  ) {
    this.hostPorts = new HostPorts(repos, clock);
    this.baseGc = new BaseGarbageCollector(repos, gateway, clock, log, { intervalMs: opts.baseGcIntervalMs, callTimeoutMs: opts.timeouts.quickMs });
    this.queue = new WorkQueue(clock, { concurrency: opts.workers, baseBackoffMs: opts.baseBackoffMs, maxBackoffMs: opts.maxBackoffMs });
    this.networks = new NetworkReconciler(repos, gateway, notifier, clock, log, { resyncIntervalMs: opts.resyncIntervalMs * 2, applyTimeoutMs: opts.timeouts.quickMs });
    const devices = new VolumeDeviceSteps(repos, gateway, ops, events, notifier, clock, { ...opts.timeouts, detachTimeoutSec: opts.detachTimeoutSec });
    this.instances = this.register(new InstanceReconciler(repos, gateway, ops, events, notifier, clock, opts.timeouts, (hostId, instanceId) => this.networks.prepareInstanceStart(hostId, instanceId), devices));
    this.instances.migration = new InstanceMigration(repos, gateway, ops, events, notifier, clock, opts.timeouts, (hostId, instanceId) => this.networks.prepareInstanceStart(hostId, instanceId), log);
    this.volumes = this.register(new VolumeReconciler(repos, gateway, ops, events, notifier, clock, opts.timeouts, devices));
    this.snapshots = this.register(new SnapshotReconciler(repos, gateway, ops, events, notifier, clock, opts.timeouts, opts.snapshotStoreDir));
    this.hosts = this.register(new HostReconciler(repos, ops, events, notifier, clock, { pollMs: opts.waitRetryMs }));
    this.inventory = new InventorySync(repos, gateway, events, clock, log, (id) => this.enqueue('instance', id));
    this.hostMonitor = new HostMonitor(repos, clock, events, notifier, {
      heartbeatIntervalMs: opts.heartbeatIntervalMs, missedBeatsForDisconnected: 3, downAfterMs: opts.hostDownAfterMs,
    }, (id) => gateway.isConnected(id));
    gateway.hooks = {
      onInventory: (hostId, entries, full) => {
        this.inventory.apply(hostId, entries, full).catch((e: unknown) => this.log.error({ err: e, hostId }, 'inventory sync failed'));
        if (full) this.notifier.publish({ kind: 'host', id: hostId });
      },
    };
  }

  /** Add a reconciler for its kind: its keys are queued, resynced and retried like every other. */
  register<R extends Reconciler>(r: R): R {
    if (this.reconcilers.has(r.kind)) throw new Error(`a reconciler for ${r.kind} is registered already`);
    this.reconcilers.set(r.kind, r);
    return r;
  }

  /**
   * Several servers: this server judges the liveness of the hosts whose shard it owns, and a host is
   * connected when a live server holds its session (`sessions`: read from the database).
   */
  judgeHostsBy(sessions: () => Promise<Set<string>>): void {
    this.hostMonitor.liveness = async () => {
      const live = await sessions();
      return { judges: (id) => this.ownership.owns(id), connected: (id) => live.has(id) };
    };
  }

  enqueue(kind: ResourceKind, id: string): void { this.queue.add(workKey(kind, id)); }

  async start(): Promise<void> {
    this.unsubscribe = this.notifier.subscribe((c) => {
      for (const r of this.reconcilers.values()) {
        Promise.resolve(r.keysFor(c)).then((keys) => { for (const k of keys) this.queue.add(k); })
          .catch((e: unknown) => this.log.error({ err: e, kind: r.kind }, 'mapping a change to work keys failed'));
      }
      if (c.kind === 'host') this.instances.placementIndex.markChanged(c.id);
      if (c.kind === 'cancel' && c.resourceType === 'instance') this.instances.cancelRunning(c.resourceId);
      if (c.kind === 'cancel' && c.resourceType === 'snapshot') this.snapshots.cancelRunning(c.resourceId);
    });
    this.unsubscribeGained = this.ownership.onGained(() => {
      this.resync().catch((e: unknown) => this.log.error({ err: e }, 'resync after gaining shards failed'));
    });
    this.queue.start((key) => this.handle(key));
    this.networks.start();
    await this.resync();
    this.scheduleResync();
    this.scheduleHostCheck();
    this.baseGc.start();
  }

  /** Enqueue every resource with unfinished business, of every registered kind. */
  async resync(): Promise<number> {
    const keys = new Set<WorkKey>();
    for (const r of this.reconcilers.values()) for (const id of await r.unsettledIds()) keys.add(workKey(r.kind, id));
    for (const op of await this.repos.operations.allActive()) {
      if (this.reconcilers.has(op.resourceType)) keys.add(workKey(op.resourceType as ResourceKind, op.resourceId));
    }
    let mine = 0;
    for (const k of keys) {
      if (!this.ownership.owns(parseWorkKey(k).id)) continue;
      this.queue.add(k);
      mine++;
    }
    return mine;
  }

  private scheduleResync(): void {
    if (this.stopped) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      this.resync().catch((e: unknown) => this.log.error({ err: e }, 'resync failed')).finally(() => this.scheduleResync());
    }, this.opts.resyncIntervalMs);
  }

  private scheduleHostCheck(): void {
    if (this.stopped) return;
    this.hostTimer = this.clock.setTimeout(() => {
      this.hostMonitor.check().catch((e: unknown) => this.log.error({ err: e }, 'host check failed')).finally(() => this.scheduleHostCheck());
    }, this.opts.heartbeatIntervalMs);
  }

  /** One key: reconcile, then forget, requeue, wait, back off, or record a terminal failure. */
  private async handle(key: string): Promise<void> {
    const { kind, id } = parseWorkKey(key);
    const r = this.reconcilers.get(kind);
    if (!r) { this.log.error({ key }, 'no reconciler for this kind'); return; }
    if (!this.ownership.owns(id)) { this.queue.forget(key); return; } // another server's (or nobody's until a lease is taken)
    const timed = this.metrics?.startReconcile(kind);
    let outcome = 'failed';
    try {
      const again = await r.reconcile(id);
      outcome = again ? 'requeued' : 'done';
      this.queue.forget(key);
      if (again) this.queue.add(key);
    } catch (e) {
      if (e instanceof CasLost) { outcome = 'conflict'; this.queue.add(key); return; }
      if (e instanceof ParkedError) { outcome = 'parked'; this.queue.forget(key); this.log.debug({ key, reason: e.message }, 'parked'); return; }
      if (e instanceof WaitError) {
        outcome = 'waiting';
        this.log.debug({ key, reason: e.message }, 'waiting');
        this.queue.addAfter(key, e.afterMs ?? this.opts.waitRetryMs);
        return;
      }
      const retries = this.queue.retries(key);
      if (isRetryable(e) && retries < this.opts.maxRetries) {
        outcome = 'retry';
        const ms = this.queue.addRateLimited(key);
        this.log.warn({ key, err: (e as Error).message, retryInMs: ms }, 'reconcile failed; retrying');
        return;
      }
      this.queue.forget(key);
      this.log.warn({ key, err: (e as Error).message }, 'reconcile failed for good');
      await r.fail(id, asTerminal(e)).catch((err: unknown) => {
        if (err instanceof CasLost) this.queue.add(key);
        else this.log.error({ err }, 'recording the failure failed');
      });
    } finally {
      timed?.(outcome);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.baseGc.stop();
    this.unsubscribe?.();
    this.unsubscribeGained?.();
    if (this.resyncTimer !== null) this.clock.clearTimeout(this.resyncTimer);
    if (this.hostTimer !== null) this.clock.clearTimeout(this.hostTimer);
    await this.queue.stop();
    await this.networks.stop();
  }
}
