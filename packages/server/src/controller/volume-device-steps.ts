import { allocatePciSlot, type Clock } from '@kumo/core';
import { ApiError, type AgentMethod, type AgentMethods, type AgentResults } from '@kumo/api';
import type { InstanceRow, OperationRow, Repos, VolumeRow, VolumeStatusPatch } from '@kumo/db';
import type { AgentGateway, CallOptions } from '../gateway/agent-gateway.ts';
import { AgentCallError } from '../gateway/agent-call-error.ts';
import type { EventLog } from '../services/event-log.ts';
import type { Notifier } from '../services/notifier.ts';
import type { OperationService } from '../services/operation-service.ts';
import { volumeDeviceOperations, type VolumeDeviceOperation } from '../services/volume-device-service.ts';
import { CasLost, WaitError } from './errors.ts';
import { diskSpecOf, hostForPool, limitsOf, poolOf, poolRefOf, snapshotImageRef } from './volume-host.ts';

export interface VolumeDeviceTimeouts {
  /** How long a guest has to release a disk being detached (a server setting). */
  detachTimeoutSec: number;
  quickMs: number;
  provisionMs: number;
}

const taskOf: Record<VolumeDeviceOperation, NonNullable<VolumeRow['task']>> = {
  'volume.attach': 'attaching', 'volume.detach': 'detaching', 'volume.resize': 'resizing', 'volume.restore': 'restoring', 'volume.update': 'updating',
};

const doneEvent: Record<VolumeDeviceOperation, string> = {
  'volume.attach': 'volume.attached', 'volume.detach': 'volume.detached', 'volume.resize': 'volume.resized', 'volume.restore': 'volume.restored', 'volume.update': 'volume.updated',
};

/** A failure that ends the operation (the volume stays as it was), as opposed to one that waits for the host. */
class DeviceStepFailed extends Error {}

/**
 * Carries out device changes asked for by operations (volume-device-service.ts). Changes to a
 * volume that is (or is to be) attached to an instance run inside that instance's reconcile, so
 * they are serialised with its lifecycle by the work queue (one worker per key): a start never
 * races an attach. Changes to a volume of no instance run in the volume's reconcile.
 * The row changes only after the host confirmed; a failure ends the operation and leaves the
 * volume as it was; a host that went away makes the step wait and run again (every call is idempotent).
 */
export class VolumeDeviceSteps {
  constructor(
    private readonly repos: Repos,
    private readonly gateway: AgentGateway,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly timeouts: VolumeDeviceTimeouts,
  ) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  /** Active device operations, oldest first, optionally of one volume. */
  private async activeDeviceOps(volumeId?: string): Promise<OperationRow[]> {
    let q = this.repos.db.selectFrom('operations').selectAll().where('resourceType', '=', 'volume')
      .where('kind', 'in', [...volumeDeviceOperations]).where('status', 'in', ['pending', 'running']);
    if (volumeId) q = q.where('resourceId', '=', volumeId);
    return q.orderBy('createdAt').orderBy('id').execute();
  }

  /** The instance whose reconcile carries out `op` on `v`, or null (the volume's own reconcile does). */
  private static targetOf(op: OperationRow, v: VolumeRow): string | null {
    if (op.kind === 'volume.attach') return (JSON.parse(op.params) as { instanceId: string }).instanceId;
    return v.instanceId;
  }

  /** Instances with a device change waiting (for the resync after a restart). */
  async instancesWithPendingChanges(): Promise<string[]> {
    const ids = new Set<string>();
    for (const op of await this.activeDeviceOps()) {
      const v = await this.repos.volumes.getAny(op.resourceId);
      const target = v ? VolumeDeviceSteps.targetOf(op, v) : null;
      if (target) ids.add(target);
    }
    return [...ids];
  }

  /** For the instance reconciler, once the instance is settled: one waiting change of its volumes. True when one was carried out. */
  async applyNextFor(inst: InstanceRow): Promise<boolean> {
    for (const op of await this.activeDeviceOps()) {
      const v = await this.repos.volumes.getAny(op.resourceId);
      if (!v) { await this.ops.finish(op.id, 'failed', `volume ${op.resourceId} is gone`, { code: 'not_found', message: `volume ${op.resourceId} is gone` }); continue; }
      if (VolumeDeviceSteps.targetOf(op, v) !== inst.id) continue;
      await this.perform(op, v, inst);
      return true;
    }
    return false;
  }

  /**
   * For the volume reconciler: the oldest waiting change of a volume, if it is the volume's own to
   * make (no instance involved). 'instance' when an instance's reconcile makes it; 'none' when nothing waits.
   */
  async applyDetached(v: VolumeRow): Promise<'done' | 'instance' | 'none'> {
    const [op] = await this.activeDeviceOps(v.id);
    if (!op) return 'none';
    const target = VolumeDeviceSteps.targetOf(op, v);
    if (target) {
      const inst = await this.repos.instances.getAny(target);
      if (inst && inst.phase !== 'deleted') return 'instance';
      await this.perform(op, v, undefined);
      return 'done';
    }
    await this.perform(op, v, undefined);
    return 'done';
  }

  private async setVolume(v: VolumeRow, patch: VolumeStatusPatch): Promise<VolumeRow> {
    const version = await this.repos.volumes.compareAndSwap(v.id, v.version, patch, this.iso());
    if (version === null) throw new CasLost('volume');
    const next = { ...v, ...patch, version };
    this.notifier.publish({ kind: 'volume', id: v.id, accountId: v.accountId, instanceId: next.instanceId ?? v.instanceId });
    return next;
  }

  private async call<M extends AgentMethod>(hostId: string, method: M, params: AgentMethods[M], timeoutMs: number, opts: CallOptions = {}): Promise<AgentResults[M]> {
    if (!this.gateway.isConnected(hostId)) throw new WaitError(`waiting for host ${hostId} to connect`);
    try {
      return await this.gateway.call(hostId, method, params, timeoutMs, opts);
    } catch (e) {
      // The agent went away (killed, network): wait for it and ask again; the call is idempotent.
      if (!this.gateway.isConnected(hostId) || (e instanceof ApiError && e.code === 'host_unavailable')) throw new WaitError(`host ${hostId} went away during ${method}; asking again when it is back`);
      if (e instanceof AgentCallError && e.code === 'host_failure' && /lost job/.test(e.message)) throw new WaitError(e.message);
      throw new DeviceStepFailed(e instanceof Error ? e.message : String(e));
    }
  }

  private async perform(op: OperationRow, vol: VolumeRow, inst: InstanceRow | undefined): Promise<void> {
    const kind = op.kind as VolumeDeviceOperation;
    const params = JSON.parse(op.params) as { instanceId?: string; sizeGiB?: number; fromGiB?: number; snapshotId?: string };
    await this.ops.start(op, `${taskOf[kind]} the volume`, 50);
    let v = vol.task === taskOf[kind] ? vol : await this.setVolume(vol, { task: taskOf[kind] });
    try {
      const patch = await this.work(kind, params, v, inst);
      v = await this.setVolume(v, { ...patch, task: null });
      const message = kind === 'volume.attach' ? `attached to ${inst?.name ?? params.instanceId}` : kind === 'volume.detach' ? 'detached' : kind === 'volume.resize' ? `${v.sizeGiB} GiB` : kind === 'volume.restore' ? `restored to snapshot ${params.snapshotId ?? ''}` : 'limits applied';
      await this.ops.finish(op.id, 'succeeded', `volume ${message}`);
      await this.events.record({ accountId: v.accountId, resourceType: 'volume', resourceId: v.id, kind: doneEvent[kind], message: `volume ${v.name || v.id}: ${message}` });
    } catch (e) {
      if (!(e instanceof DeviceStepFailed)) throw e; // waits and lost races: the same step runs again
      const current = await this.repos.volumes.getAny(v.id) ?? v;
      await this.setVolume(current, { task: null });
      if (kind === 'volume.resize' && params.sizeGiB !== undefined && params.fromGiB !== undefined && params.sizeGiB > params.fromGiB) {
        await this.repos.db.transaction().execute((trx) => this.repos.hosts.release(trx, { hostId: '', poolId: v.poolId, vcpus: 0, memoryMiB: 0, diskGiB: params.sizeGiB! - params.fromGiB! }));
      }
      await this.ops.finish(op.id, 'failed', e.message, { code: 'operation_failed', message: e.message });
      await this.events.record({ accountId: v.accountId, resourceType: 'volume', resourceId: v.id, kind: `${kind}.failed`, severity: 'error', message: e.message });
    }
  }

  /** The host work of one change; returns what the row says afterwards. Throws DeviceStepFailed to end the operation. */
  private async work(kind: VolumeDeviceOperation, params: { instanceId?: string; sizeGiB?: number; snapshotId?: string }, v: VolumeRow, inst: InstanceRow | undefined): Promise<VolumeStatusPatch> {
    const running = inst?.phase === 'running' && inst.hostId !== null;
    const fail = (m: string): never => { throw new DeviceStepFailed(m); };
    switch (kind) {
      case 'volume.attach': {
        if (!inst || inst.desired === 'deleted') fail(`instance ${params.instanceId ?? ''} is gone; volume ${v.id} stays detached`);
        if (v.instanceId === inst!.id) return {};
        if (v.instanceId) fail(`volume ${v.id} is attached to ${v.instanceId}`);
        if (inst!.phase !== 'running' && inst!.phase !== 'stopped') fail(`instance ${inst!.name} is ${inst!.phase}; volumes are attached to running or stopped instances`);
        const used = (await this.repos.volumes.ofInstance(inst!.id)).map((x) => x.pciSlot).filter((s): s is number => s !== null);
        let slot: number;
        try { slot = allocatePciSlot('dataDisk', used); } catch (e) { return fail((e as Error).message); }
        if (running) {
          const disk = await diskSpecOf(this.repos, v, slot);
          await this.call(inst!.hostId!, 'instance.attachDisk', { instanceId: inst!.id, disk }, this.timeouts.quickMs);
        }
        return { instanceId: inst!.id, pciSlot: slot };
      }
      case 'volume.detach': {
        if (!v.instanceId) return {};
        if (running) {
          try {
            await this.call(inst!.hostId!, 'instance.detachDisk', { instanceId: inst!.id, volumeId: v.id, timeoutSec: this.timeouts.detachTimeoutSec }, (this.timeouts.detachTimeoutSec * 1000) + this.timeouts.quickMs);
          } catch (e) {
            if (e instanceof DeviceStepFailed && /timeout|did not|release/i.test(e.message)) {
              fail(`the guest of ${inst!.name} did not release volume ${v.id} within ${this.timeouts.detachTimeoutSec} s (${e.message}); it stays attached — unmount it in the guest and detach again, or stop the instance`);
            }
            throw e;
          }
        }
        return { instanceId: null, pciSlot: null };
      }
      case 'volume.resize': {
        const sizeGiB = params.sizeGiB ?? v.sizeGiB;
        if (sizeGiB === v.sizeGiB) return {};
        if (sizeGiB < v.sizeGiB) fail(`volume ${v.id} is ${v.sizeGiB} GiB; shrinking is refused`);
        if (running) {
          await this.call(inst!.hostId!, 'instance.resizeDisk', { instanceId: inst!.id, volumeId: v.id, sizeGiB }, this.timeouts.quickMs);
        } else {
          if (inst && inst.phase !== 'stopped') fail(`instance ${inst.name} is ${inst.phase}; its disks are resized while it runs or is stopped`);
          const pool = await poolOf(this.repos, v.poolId);
          const hostId = await hostForPool(this.repos, this.gateway, pool, inst?.hostId ?? null);
          await this.call(hostId, 'volume.resize', { volumeId: v.id, pool: poolRefOf(pool), sizeGiB }, this.timeouts.quickMs);
        }
        return { sizeGiB };
      }
      case 'volume.update': {
        if (running) {
          const offering = v.diskOfferingId ? await this.repos.db.selectFrom('diskOfferings').selectAll().where('id', '=', v.diskOfferingId).executeTakeFirst() : undefined;
          await this.call(inst!.hostId!, 'instance.setDiskLimits', { instanceId: inst!.id, volumeId: v.id, limits: limitsOf(offering) }, this.timeouts.quickMs);
        }
        return {};
      }
      case 'volume.restore': {
        if (inst && inst.phase !== 'stopped') fail(`instance ${inst.name} is ${inst.phase}; stop it before restoring its disk`);
        const snap = params.snapshotId ? await this.repos.snapshots.getAny(params.snapshotId) : undefined;
        if (!snap || snap.phase !== 'ready' || snap.desired === 'deleted') fail(`snapshot ${params.snapshotId ?? ''} is gone`);
        const pool = await poolOf(this.repos, v.poolId);
        const hostId = await hostForPool(this.repos, this.gateway, pool, inst?.hostId ?? null);
        const source = snap!.location === 'pool'
          ? { kind: 'pool-snapshot' as const, volumeId: snap!.volumeId, snapshotId: snap!.id }
          : { kind: 'image' as const, image: snapshotImageRef(snap!) };
        await this.call(hostId, 'volume.rollback', { volumeId: v.id, pool: poolRefOf(pool), sizeGiB: v.sizeGiB, source }, this.timeouts.provisionMs, { jobKey: `${v.id}:restore:${snap!.id}` });
        return {};
      }
    }
  }
}
