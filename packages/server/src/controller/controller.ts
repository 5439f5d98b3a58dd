import type { Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import type { EventLog } from '../services/event-log.ts';
import type { Notifier } from '../services/notifier.ts';
import type { OperationService } from '../services/operation-service.ts';
import { WorkQueue } from './work-queue.ts';
import { InstanceReconciler, asTerminal, isRetryable, type ReconcilerTimeouts } from './instance-reconciler.ts';
import { InventorySync } from './inventory-sync.ts';
import { HostMonitor } from './host-monitor.ts';
import { NetworkReconciler } from './network-reconciler.ts';
import { CasLost } from './placement.ts';
import { WaitError } from './errors.ts';
import { HostPorts } from './host-ports.ts';

export interface ControllerOptions {
  workers: number;
  resyncIntervalMs: number;
  maxRetries: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  waitRetryMs: number;
  heartbeatIntervalMs: number;
  hostDownAfterMs: number;
  timeouts: ReconcilerTimeouts;
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
  timeouts: { startMs: 180_000, stopGraceExtraMs: 30_000, quickMs: 60_000, provisionMs: 600_000 },
};

/**
 * The control loop: a work queue of instance ids fed by API changes, agent reports and a periodic
 * resync of everything unsettled. After a restart the resync alone finds all unfinished work.
 */
export class Controller {
  readonly queue: WorkQueue;
  readonly reconciler: InstanceReconciler;
  readonly inventory: InventorySync;
  readonly networks: NetworkReconciler;
  /** Ports on hosts for host-to-host transfers. */
  readonly hostPorts: HostPorts;
  private readonly hostMonitor: HostMonitor;
  private resyncTimer: unknown = null;
  private hostTimer: unknown = null;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly repos: Repos,
    private readonly gateway: AgentGateway,
    ops: OperationService,
    events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly opts: ControllerOptions,
  ) {
    this.hostPorts = new HostPorts(repos, clock);
    this.queue = new WorkQueue(clock, { concurrency: opts.workers, baseBackoffMs: opts.baseBackoffMs, maxBackoffMs: opts.maxBackoffMs });
    this.networks = new NetworkReconciler(repos, gateway, notifier, clock, log, { resyncIntervalMs: opts.resyncIntervalMs * 2, applyTimeoutMs: opts.timeouts.quickMs });
    this.reconciler = new InstanceReconciler(repos, gateway, ops, events, notifier, clock, opts.timeouts, (hostId, instanceId) => this.networks.prepareInstanceStart(hostId, instanceId));
    this.inventory = new InventorySync(repos, gateway, events, clock, log, (id) => this.queue.add(id));
    this.hostMonitor = new HostMonitor(repos, clock, events, notifier, {
      heartbeatIntervalMs: opts.heartbeatIntervalMs, missedBeatsForDisconnected: 3, downAfterMs: opts.hostDownAfterMs,
    }, (id) => gateway.isConnected(id));
    gateway.hooks = {
      onInventory: (hostId, entries, full) => {
        this.inventory.apply(hostId, entries, full).catch((e: unknown) => this.log.error({ err: e, hostId }, 'inventory sync failed'));
        if (full) void this.enqueueHostInstances(hostId);
      },
    };
  }

  async start(): Promise<void> {
    this.unsubscribe = this.notifier.subscribe((c) => {
      if (c.kind === 'instance') this.queue.add(c.id);
      if (c.kind === 'cancel' && c.resourceType === 'instance') this.reconciler.cancelRunning(c.resourceId);
      if (c.kind === 'host') void this.enqueueHostInstances(c.id);
    });
    this.queue.start((id) => this.handle(id));
    this.networks.start();
    await this.resync();
    this.scheduleResync();
    this.scheduleHostCheck();
  }

  private async enqueueHostInstances(hostId: string): Promise<void> {
    try {
      const rows = await this.repos.db.selectFrom('instances').select('id').where('hostId', '=', hostId).where('task', 'is not', null).execute();
      for (const r of rows) this.queue.add(r.id);
    } catch (e) { this.log.error({ err: e }, 'enqueue host instances failed'); }
  }

  /** Enqueue every instance with unfinished business. */
  async resync(): Promise<number> {
    const ids = new Set(await this.repos.instances.unsettledIds());
    for (const op of await this.repos.operations.allActive()) if (op.resourceType === 'instance') ids.add(op.resourceId);
    for (const id of ids) this.queue.add(id);
    return ids.size;
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

  private async handle(id: string): Promise<void> {
    try {
      const again = await this.reconciler.reconcile(id);
      this.queue.forget(id);
      if (again) this.queue.add(id);
    } catch (e) {
      if (e instanceof CasLost) { this.queue.add(id); return; }
      if (e instanceof WaitError) {
        this.log.debug({ instanceId: id, reason: e.message }, 'waiting');
        this.queue.addAfter(id, e.afterMs ?? this.opts.waitRetryMs);
        return;
      }
      const retries = this.queue.retries(id);
      if (isRetryable(e) && retries < this.opts.maxRetries) {
        const ms = this.queue.addRateLimited(id);
        this.log.warn({ instanceId: id, err: (e as Error).message, retryInMs: ms }, 'reconcile failed; retrying');
        return;
      }
      this.queue.forget(id);
      this.log.warn({ instanceId: id, err: (e as Error).message }, 'reconcile failed for good');
      await this.reconciler.fail(id, asTerminal(e)).catch((err: unknown) => {
        if (err instanceof CasLost) this.queue.add(id);
        else this.log.error({ err }, 'recording the failure failed');
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.resyncTimer !== null) this.clock.clearTimeout(this.resyncTimer);
    if (this.hostTimer !== null) this.clock.clearTimeout(this.hostTimer);
    await this.queue.stop();
    await this.networks.stop();
  }
}
