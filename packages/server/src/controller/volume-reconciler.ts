import {
  planVolumeStep, volumePhaseAfterStep, volumeTaskForStep, type Clock, type VolumeStep,
} from '@kumo/core';
import type { OperationRow, Repos, VolumeRow } from '@kumo/db';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import type { EventLog } from '../services/event-log.ts';
import type { Notifier, Change } from '../services/notifier.ts';
import type { OperationService } from '../services/operation-service.ts';
import { CasLost, TerminalError, WaitError } from './errors.ts';
import { buildInstanceSpec } from './instance-spec.ts';
import type { ReconcilerTimeouts } from './instance-reconciler.ts';
import type { VolumeDeviceSteps } from './volume-device-steps.ts';
import { hostForPool, poolOf, poolRefOf, snapshotImageRef } from './volume-host.ts';
import { volumeOperationForStep } from '@kumo/core';
import { workKey, type Reconciler, type WorkKey } from './reconciler.ts';

const stepProgress: Record<Exclude<VolumeStep, 'none'>, [number, string]> = {
  create: [30, 'creating the volume'],
  delete: [50, 'deleting the volume'],
};

/**
 * Drives one volume toward its desired state (created on its pool, or gone), with the same
 * desired/phase/task/version discipline as instances (lifecycle table: core volume-lifecycle.ts).
 * Every change is published as a `volume` change, which wakes the instance that waits for it.
 */
export class VolumeReconciler implements Reconciler<'volume'> {
  readonly kind = 'volume' as const;

  constructor(
    private readonly repos: Repos,
    private readonly gateway: AgentGateway,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly timeouts: ReconcilerTimeouts,
    private readonly devices: VolumeDeviceSteps,
  ) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  unsettledIds(): Promise<string[]> { return this.repos.volumes.unsettledIds(); }

  keysFor(c: Change): WorkKey[] { return c.kind === 'volume' ? [workKey('volume', c.id)] : []; }

  private publish(v: VolumeRow): void {
    this.notifier.publish({ kind: 'volume', id: v.id, accountId: v.accountId, instanceId: v.instanceId });
  }

  async reconcile(id: string): Promise<boolean> {
    const vol = await this.repos.volumes.getAny(id);
    if (!vol) return false;
    const all = await this.repos.operations.activeFor(id);
    // Device changes (attach, resize, ...) are not the lifecycle's: they wait for a ready volume and run in their own step.
    const lifecycleKinds: readonly string[] = Object.values(volumeOperationForStep);
    const active = all.filter((o) => lifecycleKinds.includes(o.kind));
    const step = planVolumeStep({ desired: vol.desired, phase: vol.phase, operationPending: active.length > 0 });
    if (step === 'none') {
      await this.settle(vol, active);
      if (vol.phase === 'ready' && vol.desired === 'ready' && all.length > active.length) return (await this.devices.applyDetached(vol)) === 'done';
      return false;
    }
    const [progress, message] = stepProgress[step];
    for (const op of active) await this.ops.start(op, message, progress);
    let version = vol.version;
    const task = volumeTaskForStep[step];
    if (vol.task !== task) {
      const v = await this.repos.volumes.compareAndSwap(id, version, { task }, this.iso());
      if (v === null) throw new CasLost('volume');
      version = v;
      this.publish(vol);
    }
    const current: VolumeRow = { ...vol, task, version };
    if (step === 'create') await this.create(current);
    else { await this.delete(current, active); return false; }
    const v = await this.repos.volumes.compareAndSwap(id, version, { phase: volumePhaseAfterStep[step], task: null, errorReason: null }, this.iso());
    if (v === null) throw new CasLost('volume');
    await this.events.record({ accountId: vol.accountId, resourceType: 'volume', resourceId: id, kind: 'volume.ready', message: `volume ${id} is ready` });
    this.publish(vol);
    return true;
  }

  private async settle(vol: VolumeRow, active: OperationRow[]): Promise<void> {
    for (const op of active) {
      if (vol.phase === 'error') await this.ops.finish(op.id, 'failed', vol.errorReason ?? 'volume is in error', { code: 'operation_failed', message: vol.errorReason ?? 'volume is in error' });
      else await this.ops.finish(op.id, 'succeeded', `volume is ${vol.phase}`);
    }
  }

  /** The host that does the work: the pool's own host (local pools), else the owning instance's, else one of the pool's cluster. */
  private async hostOf(vol: VolumeRow): Promise<{ hostId: string | null; poolPath: string | null }> {
    const pool = await this.repos.db.selectFrom('pools').select(['path', 'hostId']).where('id', '=', vol.poolId).executeTakeFirst();
    if (!pool) return { hostId: null, poolPath: null };
    if (pool.hostId) return { hostId: pool.hostId, poolPath: pool.path };
    const inst = vol.instanceId ? await this.repos.instances.getAny(vol.instanceId) : undefined;
    if (inst?.hostId) return { hostId: inst.hostId, poolPath: pool.path };
    return { hostId: await hostForPool(this.repos, this.gateway, await poolOf(this.repos, vol.poolId), null), poolPath: pool.path };
  }

  private async create(vol: VolumeRow): Promise<void> {
    const { hostId } = await this.hostOf(vol);
    if (!hostId) throw new TerminalError('operation_failed', `volume ${vol.id} has no host to be created on`);
    if (!this.gateway.isConnected(hostId)) throw new WaitError(`waiting for host ${hostId} to connect`);
    const pool = await poolOf(this.repos, vol.poolId);
    const inst = vol.instanceId ? await this.repos.instances.getAny(vol.instanceId) : undefined;
    let image = vol.kind === 'root' && inst ? (await buildInstanceSpec(this.repos, inst)).image : null;
    const snap = vol.sourceSnapshotId ? await this.repos.snapshots.getAny(vol.sourceSnapshotId) : undefined;
    if (vol.sourceSnapshotId && (!snap || snap.phase !== 'ready')) throw new TerminalError('operation_failed', `snapshot ${vol.sourceSnapshotId} is gone; volume ${vol.id} cannot be made from it`);
    if (snap?.location === 'image-store') image = snapshotImageRef(snap);
    const ref = poolRefOf(pool);
    await this.gateway.call(hostId, 'volume.create', {
      volumeId: vol.id, instanceId: vol.instanceId ?? '', sizeGiB: vol.sizeGiB,
      provisioning: vol.provisioning === 'full' ? 'full' : 'linked', image,
      ...(ref.kind === 'directory' ? { poolPath: ref.path } : { pool: ref }), // directory pools as protocol 1 has them
      ...(snap?.location === 'pool' ? { source: { kind: 'pool-snapshot' as const, volumeId: snap.volumeId, snapshotId: snap.id } } : {}),
    }, this.timeouts.provisionMs, { jobKey: `${vol.id}:create` }); // a long image copy survives a server restart: asked again, it re-attaches
    await this.repos.volumes.setObserved(vol.id, 'present', this.iso());
  }

  /** Delete on the host (idempotent), then give the pool its room back and drop the row in one transaction. */
  private async delete(vol: VolumeRow, active: OperationRow[]): Promise<void> {
    const { hostId, poolPath } = await this.hostOf(vol);
    const hostExists = hostId ? await this.repos.hosts.getAny(hostId) : undefined;
    if (hostExists && poolPath) {
      if (!this.gateway.isConnected(hostExists.id)) throw new WaitError(`waiting for host ${hostExists.id} to connect`);
      const ref = poolRefOf(await poolOf(this.repos, vol.poolId));
      await this.gateway.call(hostExists.id, 'volume.delete', { volumeId: vol.id, ...(ref.kind === 'directory' ? { poolPath: ref.path } : { pool: ref }) }, this.timeouts.quickMs);
    }
    await this.repos.db.transaction().execute(async (trx) => {
      if (!(await this.repos.volumes.remove(vol, this.iso(), trx))) throw new CasLost('volume');
      await this.repos.hosts.release(trx, { hostId: '', poolId: vol.poolId, vcpus: 0, memoryMiB: 0, diskGiB: vol.sizeGiB });
    });
    for (const op of active) {
      if (op.kind === 'volume.delete') await this.ops.finish(op.id, 'succeeded', 'volume is deleted');
      else await this.ops.finish(op.id, 'cancelled', 'the volume was deleted before it was ready');
    }
    await this.events.record({ accountId: vol.accountId, resourceType: 'volume', resourceId: vol.id, kind: 'volume.deleted', message: `volume ${vol.id} is deleted` });
    this.publish(vol);
  }

  /** A step failed for good: the volume shows `error` with the reason; its operations fail. */
  async fail(id: string, err: TerminalError): Promise<void> {
    const vol = await this.repos.volumes.getAny(id);
    if (!vol) return;
    if (vol.desired !== 'deleted') {
      const v = await this.repos.volumes.compareAndSwap(id, vol.version, { phase: 'error', task: null, errorReason: err.message }, this.iso());
      if (v === null) throw new CasLost('volume');
    }
    for (const op of await this.repos.operations.activeFor(id)) await this.ops.finish(op.id, 'failed', err.message, { code: err.code, message: err.message });
    await this.events.record({ accountId: vol.accountId, resourceType: 'volume', resourceId: id, kind: 'volume.error', severity: 'error', message: err.message });
    this.publish(vol);
  }
}
