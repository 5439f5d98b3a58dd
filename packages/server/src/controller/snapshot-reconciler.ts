import { rmSync } from 'node:fs';
import type { Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { OperationRow, Repos, SnapshotRow } from '@kumo/db';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import { AgentCallError } from '../gateway/agent-call-error.ts';
import type { EventLog } from '../services/event-log.ts';
import type { Change, Notifier } from '../services/notifier.ts';
import type { OperationService } from '../services/operation-service.ts';
import { snapshotFilePath, snapshotFileUrl } from '../services/snapshot-service.ts';
import { OperationProgress } from './operation-progress.ts';
import { CasLost, TerminalError, WaitError } from './errors.ts';
import { hostForPool, poolOf, poolRefOf } from './volume-host.ts';
import { workKey, type Reconciler, type WorkKey } from './reconciler.ts';

/**
 * Takes and removes snapshots (desired/phase/task/version like volumes). A snapshot is taken by
 * the host that has the volume open (the running guest's, crash-consistent through the driver's
 * backup job) or any host that reaches the pool; it is a job keyed by the snapshot id, so after a
 * server restart or an agent that came back the same job is re-attached or run again.
 */
export class SnapshotReconciler implements Reconciler<'snapshot'> {
  readonly kind = 'snapshot' as const;
  private readonly progress: OperationProgress;
  /** Snapshots being taken now: aborting one cancels its job on the host. */
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly repos: Repos,
    private readonly gateway: AgentGateway,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly timeouts: { quickMs: number; provisionMs: number },
    private readonly storeDir: string,
  ) {
    this.progress = new OperationProgress(ops, clock);
  }

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  /** A user cancelled the snapshot's operation: stop its job on the host (it removes what it made). */
  cancelRunning(snapshotId: string): boolean {
    const c = this.running.get(snapshotId);
    if (!c) return false;
    c.abort();
    return true;
  }

  /** The snapshot was cancelled: nothing of it stays; its operation ends `cancelled`. */
  private async cancelled(s: SnapshotRow, active: OperationRow[]): Promise<void> {
    const cur = await this.repos.snapshots.getAny(s.id) ?? s;
    rmSync(snapshotFilePath(this.storeDir, cur.id), { force: true });
    if (!(await this.repos.snapshots.remove(cur.id, cur.version, this.iso()))) throw new CasLost('snapshot');
    for (const op of active) await this.ops.finish(op.id, 'cancelled', `snapshot ${s.name} was cancelled; nothing of it was kept`);
    await this.events.record({ accountId: s.accountId, resourceType: 'snapshot', resourceId: s.id, kind: 'snapshot.cancelled', message: `snapshot ${s.name} was cancelled` });
    this.publish(s);
  }

  unsettledIds(): Promise<string[]> { return this.repos.snapshots.unsettledIds(); }

  keysFor(c: Change): WorkKey[] { return c.kind === 'snapshot' ? [workKey('snapshot', c.id)] : []; }

  private publish(s: SnapshotRow): void { this.notifier.publish({ kind: 'snapshot', id: s.id, accountId: s.accountId }); }

  private async cas(s: SnapshotRow, patch: Parameters<Repos['snapshots']['compareAndSwap']>[2]): Promise<SnapshotRow> {
    const v = await this.repos.snapshots.compareAndSwap(s.id, s.version, patch, this.iso());
    if (v === null) throw new CasLost('snapshot');
    this.publish(s);
    return { ...s, ...patch, version: v };
  }

  async reconcile(id: string): Promise<boolean> {
    const s = await this.repos.snapshots.getAny(id);
    if (!s) return false;
    const active = await this.repos.operations.activeFor(id);
    if (s.desired === 'deleted') { await this.delete(s, active); return false; }
    if (s.phase === 'pending' || (s.phase === 'error' && active.length > 0)) { await this.create(s, active); return true; }
    for (const op of active) {
      if (s.phase === 'error') await this.ops.finish(op.id, 'failed', s.errorReason ?? 'snapshot failed', { code: 'operation_failed', message: s.errorReason ?? 'snapshot failed' });
      else await this.ops.finish(op.id, 'succeeded', `snapshot is ${s.phase}`);
    }
    return false;
  }

  private async create(snap: SnapshotRow, active: OperationRow[]): Promise<void> {
    const message = 'taking the snapshot';
    for (const op of active) await this.ops.start(op, message, 10);
    const s = snap.task === 'creating' ? snap : await this.cas(snap, { task: 'creating' });
    const vol = await this.repos.volumes.getAny(s.volumeId);
    if (!vol || vol.desired === 'deleted') throw new TerminalError('operation_failed', `volume ${s.volumeId} was deleted before its snapshot was taken`);
    const pool = await poolOf(this.repos, s.poolId);
    const inst = vol.instanceId ? await this.repos.instances.getAny(vol.instanceId) : undefined;
    const guestHasIt = inst?.hostId && (inst.phase === 'running' || inst.phase === 'paused') ? inst : undefined;
    const hostId = guestHasIt ? guestHasIt.hostId! : await hostForPool(this.repos, this.gateway, pool, inst?.hostId ?? null);
    if (!this.gateway.isConnected(hostId)) throw new WaitError(`waiting for host ${hostId} to connect`);
    const abort = new AbortController();
    if (active.some((o) => o.cancelRequestedAt !== null)) abort.abort(); // asked before this step ran (or before a restart)
    this.running.set(s.id, abort);
    let result;
    try {
      result = await this.gateway.call(hostId, 'volume.snapshot', {
        volumeId: vol.id, snapshotId: s.id, pool: poolRefOf(pool), instanceId: guestHasIt?.id ?? '',
        target: s.location === 'pool' ? { kind: 'pool' } : { kind: 'image-store', uploadPath: snapshotFileUrl(s.id) },
      }, this.timeouts.provisionMs, { jobKey: `${s.id}:create`, signal: abort.signal, onProgress: (p) => { for (const op of active) this.progress.report(op, message, p); } });
    } catch (e) {
      if (e instanceof AgentCallError && e.code === 'cancelled') { await this.cancelled(s, active); return; }
      if (!this.gateway.isConnected(hostId) || (e instanceof ApiError && e.code === 'host_unavailable')) throw new WaitError(`host ${hostId} went away while taking snapshot ${s.id}; taking it again when it is back`);
      if (e instanceof AgentCallError && /lost job/.test(e.message)) throw new WaitError(e.message);
      throw new TerminalError('operation_failed', `snapshot ${s.id} of volume ${vol.id} failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (this.running.get(s.id) === abort) this.running.delete(s.id);
      this.progress.forget(active);
    }
    await this.cas(s, {
      phase: 'ready', task: null, errorReason: null, sizeBytes: result.sizeBytes, sha256: result.sha256, format: result.format,
      storagePath: s.location === 'image-store' ? snapshotFilePath(this.storeDir, s.id) : null,
    });
    for (const op of active) await this.ops.finish(op.id, 'succeeded', `snapshot ${s.name} taken (${result.sizeBytes} bytes)`);
    await this.events.record({ accountId: s.accountId, resourceType: 'snapshot', resourceId: s.id, kind: 'snapshot.ready', message: `snapshot ${s.name} of volume ${vol.id} is ready` });
  }

  /** Remove the file or the pool snapshot (idempotent), then the row. */
  private async delete(s: SnapshotRow, active: OperationRow[]): Promise<void> {
    for (const op of active) await this.ops.start(op, 'deleting the snapshot', 50);
    const cur = s.task === 'deleting' ? s : await this.cas(s, { task: 'deleting' });
    if (cur.location === 'pool' && cur.phase !== 'pending') {
      const pool = await poolOf(this.repos, cur.poolId);
      const hostId = await hostForPool(this.repos, this.gateway, pool, null);
      await this.gateway.call(hostId, 'volume.snapshotDelete', { volumeId: cur.volumeId, snapshotId: cur.id, pool: poolRefOf(pool) }, this.timeouts.quickMs);
    }
    rmSync(snapshotFilePath(this.storeDir, cur.id), { force: true });
    if (!(await this.repos.snapshots.remove(cur.id, cur.version, this.iso()))) throw new CasLost('snapshot');
    for (const op of active) {
      if (op.kind === 'snapshot.delete') await this.ops.finish(op.id, 'succeeded', 'snapshot is deleted');
      else await this.ops.finish(op.id, 'cancelled', 'the snapshot was deleted before it was taken');
    }
    await this.events.record({ accountId: s.accountId, resourceType: 'snapshot', resourceId: s.id, kind: 'snapshot.deleted', message: `snapshot ${s.name} is deleted` });
    this.publish(s);
  }

  async fail(id: string, err: TerminalError): Promise<void> {
    const s = await this.repos.snapshots.getAny(id);
    if (!s) return;
    if (s.desired !== 'deleted') await this.cas(s, { phase: 'error', task: null, errorReason: err.message });
    for (const op of await this.repos.operations.activeFor(id)) await this.ops.finish(op.id, 'failed', err.message, { code: err.code, message: err.message });
    await this.events.record({ accountId: s.accountId, resourceType: 'snapshot', resourceId: id, kind: 'snapshot.error', severity: 'error', message: err.message });
  }
}
