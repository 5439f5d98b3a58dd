import {
  isPowerState, newId, phaseAfterStep, planStep, taskForStep, type Clock, type JobProgress, type Step,
} from '@kumo/core';
import type { AgentMethod, AgentMethods, AgentResults } from '@kumo/api';
import type { InstanceRow, OperationRow, Repos } from '@kumo/db';
import type { AgentGateway, CallOptions } from '../gateway/agent-gateway.ts';
import { AgentCallError } from '../gateway/agent-call-error.ts';
import { OperationProgress } from './operation-progress.ts';
import type { EventLog } from '../services/event-log.ts';
import type { OperationService } from '../services/operation-service.ts';
import type { Change, Notifier } from '../services/notifier.ts';
import { PlacementService } from './placement.ts';
import type { PlacementIndex } from './placement-index.ts';
import { CasLost, TerminalError, WaitError } from './errors.ts';
import { buildInstanceSpec, volumePath } from './instance-spec.ts';
import { InstanceVolumes } from './instance-volumes.ts';
import type { VolumeDeviceSteps } from './volume-device-steps.ts';
import { workKey, type Reconciler, type WorkKey } from './reconciler.ts';
import { releaseNics } from '../services/network-nic-service.ts';
import { publishNetworkChanges } from '../services/network-tx.ts';
import type { InstanceMigration } from './instance-migration.ts';

/** What a step's host call needs to run as a resumable, cancellable job with progress. */
interface StepJob { jobKey: string; onProgress: (p: JobProgress) => void; signal: AbortSignal }

export interface ReconcilerTimeouts { startMs: number; stopGraceExtraMs: number; quickMs: number; provisionMs: number }

const stepProgress: Record<Exclude<Step, 'none'>, [number, string]> = {
  schedule: [10, 'choosing a host'],
  provision: [30, 'preparing the root disk'],
  start: [60, 'starting'],
  stop: [50, 'stopping'],
  pause: [50, 'pausing'],
  resume: [50, 'resuming'],
  reboot: [50, 'rebooting'],
  save: [50, 'saving memory to disk'],
  restore: [50, 'restoring from the saved state'],
  destroy: [50, 'deleting'],
};

/**
 * Drives one instance one step toward its desired state (STYLE.md #1): re-read the row, plan the
 * step from (desired, phase), record the task with CAS, ask the host, record the new phase.
 * Every agent call is idempotent, so after a crash the same step is simply asked again.
 */
export class InstanceReconciler implements Reconciler<'instance'> {
  readonly kind = 'instance' as const;
  private readonly placement: PlacementService;
  /** Steps running now, by instance: aborting one cancels its job on the host. */
  private readonly running = new Map<string, AbortController>();
  private readonly progress: OperationProgress;
  private readonly volumes: InstanceVolumes;
  /** Moves instances between hosts (instance-migration.ts): while an attempt is unfinished, it drives the instance. */
  migration: InstanceMigration | undefined;

  constructor(
    private readonly repos: Repos,
    private readonly gateway: AgentGateway,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly timeouts: ReconcilerTimeouts,
    /** Make guest networking current before a guest starts on the host: its taps' bridges, its router's lease. */
    private readonly ensureHostNetwork: (hostId: string, instanceId: string) => Promise<void> = async () => undefined,
    /** Attach, detach, resize, restore, limits of its volumes: carried out here, between lifecycle steps (volume-device-steps.ts). */
    private readonly devices?: VolumeDeviceSteps,
  ) {
    this.placement = new PlacementService(repos, clock);
    this.progress = new OperationProgress(ops, clock);
    this.volumes = new InstanceVolumes(repos, ops, notifier, clock);
  }

  /** The capacity index placements rank hosts from (host changes mark hosts in it to re-read). */
  get placementIndex(): PlacementIndex { return this.placement.index; }

  /** A user asked to cancel the work on this instance: stop its running job, if any. */
  cancelRunning(instanceId: string): boolean {
    if (this.migration?.cancelRunning(instanceId)) return true;
    const c = this.running.get(instanceId);
    if (!c) return false;
    c.abort();
    return true;
  }

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  async unsettledIds(): Promise<string[]> {
    const ids = [...await this.repos.instances.unsettledIds(), ...await this.repos.migrations.unfinishedInstanceIds()];
    return [...new Set([...ids, ...(this.devices ? await this.devices.instancesWithPendingChanges() : [])])];
  }

  /** Its own changes; a volume's change wakes the instance it belongs to; a host's, the instances busy on it. */
  async keysFor(c: Change): Promise<WorkKey[]> {
    if (c.kind === 'instance') return [workKey('instance', c.id)];
    if (c.kind === 'volume') return c.instanceId ? [workKey('instance', c.instanceId)] : [];
    if (c.kind !== 'host') return [];
    const rows = await this.repos.db.selectFrom('instances').select('id').where('hostId', '=', c.id).where('task', 'is not', null).execute();
    return rows.map((r) => workKey('instance', r.id));
  }

  /** Returns true when the instance may need another step right away. */
  async reconcile(id: string): Promise<boolean> {
    const inst = await this.repos.instances.getAny(id);
    if (!inst) return false;
    const moving = this.migration ? await this.repos.migrations.activeFor(id) : undefined;
    if (moving && this.migration) return this.migration.advance(inst, moving);
    const active = await this.repos.operations.activeFor(id);
    const step = planStep({
      desired: inst.desired, phase: inst.phase, hostId: inst.hostId,
      rebootRequested: active.some((o) => o.kind === 'instance.reboot'),
      operationPending: active.length > 0,
    });
    if (step === 'none') {
      if (inst.task !== null) {
        // A step's task outlived it (its work was cancelled, or a restart came between): nothing is being done now.
        const v = await this.repos.instances.compareAndSwap(id, inst.version, { task: null }, this.iso());
        if (v === null) throw new CasLost();
        this.notifier.publish({ kind: 'instance', id, accountId: inst.accountId });
      }
      await this.settle(inst, active);
      // Settled: now (and only now, in this key's turn) a device change of its volumes may run.
      return this.devices ? this.devices.applyNextFor(inst) : false;
    }
    const [progress, message] = stepProgress[step];
    for (const op of active) await this.ops.start(op, message, progress);
    let version = inst.version;
    const task = taskForStep[step];
    if (inst.task !== task) {
      const v = await this.repos.instances.compareAndSwap(id, version, { task }, this.iso());
      if (v === null) throw new CasLost();
      version = v;
      this.notifier.publish({ kind: 'instance', id, accountId: inst.accountId });
    }
    const current: InstanceRow = { ...inst, task, version };
    const abort = new AbortController();
    if (active.some((o) => o.cancelRequestedAt !== null)) abort.abort(); // asked while no step ran (or before a restart)
    const job: StepJob = {
      // The task was recorded at `version`: after a server restart the same step gets the same key and re-attaches.
      jobKey: `${id}:${step}:${version}`,
      onProgress: (p) => { for (const op of active) this.progress.report(op, message, p); },
      signal: abort.signal,
    };
    this.running.set(id, abort);
    let newVersion: number;
    try {
      newVersion = await this.execute(step, current, active, job);
    } catch (e) {
      if (e instanceof AgentCallError && e.code === 'cancelled') return this.cancelled(current, active, message);
      throw e;
    } finally {
      if (this.running.get(id) === abort) this.running.delete(id);
      this.progress.forget(active);
    }
    if (step !== 'destroy') {
      const patch = step === 'schedule' ? { task: null } : { phase: phaseAfterStep[step], task: null, errorReason: null };
      const v = await this.repos.instances.compareAndSwap(id, newVersion, patch, this.iso());
      if (v === null) throw new CasLost();
    }
    if (step !== 'schedule') {
      await this.events.record({ accountId: inst.accountId, resourceType: 'instance', resourceId: id, kind: `instance.${phaseAfterStep[step]}`, message: `instance ${inst.name} is ${phaseAfterStep[step]}` });
    }
    if (step === 'reboot') for (const op of active.filter((o) => o.kind === 'instance.reboot')) await this.ops.finish(op.id, 'succeeded', 'rebooted');
    this.notifier.publish({ kind: 'instance', id, accountId: inst.accountId });
    return true;
  }

  /** The host undid the step at the user's request: the instance stays as it was, the operation ends cancelled. */
  private async cancelled(step: InstanceRow, active: OperationRow[], what: string): Promise<boolean> {
    // The cancel request itself wrote `desired` (a new version): re-read before clearing the task.
    const inst = await this.repos.instances.getAny(step.id) ?? step;
    const v = await this.repos.instances.compareAndSwap(inst.id, inst.version, { task: null }, this.iso());
    if (v === null) throw new CasLost();
    for (const op of active) await this.ops.finish(op.id, 'cancelled', `cancelled while ${what}; the instance is ${inst.phase} as before`);
    await this.events.record({ accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind: 'instance.cancelled', message: `${what} of ${inst.name} was cancelled; it is ${inst.phase} as before` });
    this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
    return true;
  }

  /** Nothing left to do: end the operations that waited for this. */
  private async settle(inst: InstanceRow, active: OperationRow[]): Promise<void> {
    for (const op of active) {
      if (op.cancelRequestedAt !== null) {
        await this.ops.finish(op.id, 'cancelled', `cancelled; the instance is ${inst.phase}`);
      } else if (inst.phase === 'error') {
        await this.ops.finish(op.id, 'failed', inst.errorReason ?? 'instance is in error', { code: 'operation_failed', message: inst.errorReason ?? 'instance is in error' });
      } else {
        await this.ops.finish(op.id, 'succeeded', `instance is ${inst.phase}`);
      }
    }
  }

  /**
   * Ask the host; a reply that carries the instance's status (what the driver observed once the call
   * took effect) is recorded as `observed`, like any other agent report.
   */
  private async hostCall<M extends AgentMethod>(hostId: string, method: M, params: AgentMethods[M], timeoutMs: number, opts: CallOptions = {}): Promise<AgentResults[M]> {
    if (!this.gateway.isConnected(hostId)) throw new WaitError(`waiting for host ${hostId} to connect`);
    const result = await this.gateway.call(hostId, method, params, timeoutMs, opts);
    const status = result as { instanceId?: unknown; power?: unknown } | null;
    if (status && typeof status.instanceId === 'string' && typeof status.power === 'string') {
      await this.repos.instances.setObserved(status.instanceId, isPowerState(status.power) ? status.power : 'unknown', this.iso());
    }
    return result;
  }

  private async execute(step: Exclude<Step, 'none'>, inst: InstanceRow, active: OperationRow[], job: StepJob): Promise<number> {
    const t = this.timeouts;
    const hostId = inst.hostId;
    switch (step) {
      case 'schedule': {
        const volumeId = newId('volume', this.clock.now());
        const createOp = this.ops.newRow({ accountId: inst.accountId, kind: 'volume.create', resourceType: 'volume', resourceId: volumeId });
        const { version, rootVolume } = await this.placement.placeAndBind(inst, volumePath, volumeId, createOp);
        if (rootVolume) this.notifier.publish({ kind: 'volume', id: volumeId, accountId: inst.accountId, instanceId: inst.id });
        return version;
      }
      case 'provision': await this.volumes.awaitReady(inst, active); return inst.version;
      case 'start': {
        await this.volumes.awaitReady(inst, active); // after an error the disk may never have been made
        // A fresh start takes the balloon; a running guest's device set never changes under it (instance-spec.ts).
        if (inst.memoryBalloon !== 1) await this.repos.db.updateTable('instances').set({ memoryBalloon: 1 }).where('id', '=', inst.id).execute();
        const { spec, image, iso } = await buildInstanceSpec(this.repos, { ...inst, memoryBalloon: 1 });
        if (spec.nics.length > 0) await this.ensureHostNetwork(hostId!, inst.id);
        await this.hostCall(hostId!, 'instance.start', { spec, image, ...(iso ? { iso } : {}) }, t.startMs, { jobKey: job.jobKey, onProgress: job.onProgress });
        return inst.version;
      }
      case 'save':
        await this.hostCall(hostId!, 'instance.save', { instanceId: inst.id, statePath: await this.statePath(inst) }, t.startMs, job);
        return inst.version;
      case 'restore': {
        const { spec, image, iso } = await buildInstanceSpec(this.repos, inst);
        if (spec.nics.length > 0) await this.ensureHostNetwork(hostId!, inst.id);
        await this.hostCall(hostId!, 'instance.restore', { spec, image, ...(iso ? { iso } : {}), statePath: await this.statePath(inst) }, t.startMs, job);
        return inst.version;
      }
      case 'stop': {
        const stopOp = active.find((o) => o.kind === 'instance.stop');
        const params = stopOp ? JSON.parse(stopOp.params) as { force?: boolean; timeoutSec?: number } : {};
        const offering = await this.repos.db.selectFrom('offerings').select('stopTimeoutSec').where('id', '=', inst.offeringId).executeTakeFirst();
        const timeoutSec = params.timeoutSec ?? offering?.stopTimeoutSec ?? 60;
        const statePath = inst.phase === 'saved' ? { statePath: await this.statePath(inst) } : {};
        await this.hostCall(hostId!, 'instance.stop', { instanceId: inst.id, force: params.force ?? false, timeoutSec, ...statePath }, timeoutSec * 1000 + t.stopGraceExtraMs);
        return inst.version;
      }
      case 'pause': await this.hostCall(hostId!, 'instance.pause', { instanceId: inst.id }, t.quickMs); return inst.version;
      case 'resume': await this.hostCall(hostId!, 'instance.resume', { instanceId: inst.id }, t.quickMs); return inst.version;
      case 'reboot': await this.hostCall(hostId!, 'instance.reboot', { instanceId: inst.id }, t.quickMs); return inst.version;
      case 'destroy': await this.destroy(inst); return inst.version;
    }
  }

  /** Where a saved instance's memory goes: beside its root disk, in the same pool. */
  private async statePath(inst: InstanceRow): Promise<string> {
    const row = await this.repos.db.selectFrom('pools').select('path').where('id', '=', inst.poolId ?? '').executeTakeFirst();
    if (!row) throw new TerminalError('operation_failed', `instance ${inst.name} has no storage pool`);
    return `${volumePath(row.path, inst.id)}.state`;
  }

  /** Destroy the guest, have its volumes deleted (waiting for them), then release its host and mark it deleted. */
  private async destroy(inst: InstanceRow): Promise<void> {
    if (inst.hostId) {
      const host = await this.repos.hosts.getAny(inst.hostId);
      if (host) await this.hostCall(host.id, 'instance.destroy', { instanceId: inst.id, statePath: await this.statePath(inst) }, this.timeouts.quickMs * 2);
    }
    await this.volumes.deleteAll(inst);
    // Release capacity and mark deleted in one transaction: a crash repeats all or none.
    let nicNetworks: string[] = [];
    await this.repos.db.transaction().execute(async (trx) => {
      if (inst.hostId) await this.repos.hosts.release(trx, { hostId: inst.hostId, poolId: '', vcpus: inst.vcpus, memoryMiB: inst.memoryMiB, diskGiB: 0 });
      await trx.deleteFrom('affinityMembers').where('instanceId', '=', inst.id).execute();
      nicNetworks = await releaseNics(trx, inst.id, this.iso());
      const v = await this.repos.instances.compareAndSwap(inst.id, inst.version, { phase: 'deleted', task: null, targetHostId: null, deletedAt: this.iso() }, this.iso(), trx);
      if (v === null) throw new CasLost();
    });
    if (inst.hostId) this.placement.index.release(inst.hostId, '', { vcpus: inst.vcpus, memoryMiB: inst.memoryMiB, diskGiB: 0 });
    await publishNetworkChanges(this.notifier, this.repos.db, nicNetworks);
  }

  /** A step failed for good: the instance shows `error` with a reason a person can act on. */
  async fail(id: string, err: TerminalError): Promise<void> {
    const inst = await this.repos.instances.getAny(id);
    if (!inst) return;
    const reason = err.message;
    const code = err.code;
    // A failed delete keeps trying; everything else stops in error.
    if (inst.desired !== 'deleted') {
      const v = await this.repos.instances.compareAndSwap(id, inst.version, { phase: 'error', task: null, errorReason: reason }, this.iso());
      if (v === null) throw new CasLost();
    }
    for (const op of await this.repos.operations.activeFor(id)) {
      await this.ops.finish(op.id, 'failed', reason, { code, message: reason });
    }
    await this.events.record({ accountId: inst.accountId, resourceType: 'instance', resourceId: id, kind: 'instance.error', severity: 'error', message: reason });
    this.notifier.publish({ kind: 'instance', id, accountId: inst.accountId });
  }
}
