import {
  isPowerState, newId, phaseAfterStep, planStep, taskForStep, type Clock, type Step,
} from '@kumo/core';
import { ApiError, type AgentMethod, type AgentMethods } from '@kumo/api';
import type { InstanceRow, OperationRow, Repos } from '@kumo/db';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import { AgentCallError } from '../gateway/agent-session.ts';
import type { EventLog } from '../services/event-log.ts';
import type { OperationService } from '../services/operation-service.ts';
import type { Notifier } from '../services/notifier.ts';
import { CasLost, PlacementService } from './placement.ts';
import { TerminalError, WaitError } from './errors.ts';
import { buildInstanceSpec, volumePath } from './instance-spec.ts';
import { releaseNics } from '../services/network-nic-service.ts';
import { publishNetworkChanges } from '../services/network-tx.ts';

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
export class InstanceReconciler {
  private readonly placement: PlacementService;

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
  ) {
    this.placement = new PlacementService(repos, clock);
  }

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  /** Returns true when the instance may need another step right away. */
  async reconcile(id: string): Promise<boolean> {
    const inst = await this.repos.instances.getAny(id);
    if (!inst) return false;
    const active = await this.repos.operations.activeFor(id);
    const step = planStep({
      desired: inst.desired, phase: inst.phase, hostId: inst.hostId,
      rebootRequested: active.some((o) => o.kind === 'instance.reboot'),
      operationPending: active.length > 0,
    });
    if (step === 'none') {
      await this.settle(inst, active);
      return false;
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
    const newVersion = await this.execute(step, current, active);
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

  /** Nothing left to do: end the operations that waited for this. */
  private async settle(inst: InstanceRow, active: OperationRow[]): Promise<void> {
    for (const op of active) {
      if (inst.phase === 'error') {
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
  private async hostCall<M extends AgentMethod>(hostId: string, method: M, params: AgentMethods[M], timeoutMs: number): Promise<unknown> {
    if (!this.gateway.isConnected(hostId)) throw new WaitError(`waiting for host ${hostId} to connect`);
    const result = await this.gateway.call(hostId, method, params, timeoutMs);
    const status = result as { instanceId?: unknown; power?: unknown } | null;
    if (status && typeof status.instanceId === 'string' && typeof status.power === 'string') {
      await this.repos.instances.setObserved(status.instanceId, isPowerState(status.power) ? status.power : 'unknown', this.iso());
    }
    return result;
  }

  private async execute(step: Exclude<Step, 'none'>, inst: InstanceRow, active: OperationRow[]): Promise<number> {
    const t = this.timeouts;
    const hostId = inst.hostId;
    switch (step) {
      case 'schedule': {
        const { version } = await this.placement.placeAndBind(inst, volumePath, newId('volume', this.clock.now()));
        return version;
      }
      case 'provision': await this.provision(inst); return inst.version;
      case 'start': {
        await this.provision(inst); // after an error the disk may never have been made
        const { spec, image } = await buildInstanceSpec(this.repos, inst);
        if (spec.nics.length > 0) await this.ensureHostNetwork(hostId!, inst.id);
        await this.hostCall(hostId!, 'instance.start', { spec, image }, t.startMs);
        return inst.version;
      }
      case 'save':
        await this.hostCall(hostId!, 'instance.save', { instanceId: inst.id, statePath: await this.statePath(inst) }, t.startMs);
        return inst.version;
      case 'restore': {
        const { spec, image } = await buildInstanceSpec(this.repos, inst);
        if (spec.nics.length > 0) await this.ensureHostNetwork(hostId!, inst.id);
        await this.hostCall(hostId!, 'instance.restore', { spec, image, statePath: await this.statePath(inst) }, t.startMs);
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

  /** Make every volume of the instance that is not ready yet (idempotent on the agent). */
  private async provision(inst: InstanceRow): Promise<void> {
    const vols = await this.repos.db.selectFrom('volumes').selectAll().where('instanceId', '=', inst.id).where('state', '!=', 'ready').execute();
    if (vols.length === 0) return;
    const { image } = await buildInstanceSpec(this.repos, inst);
    for (const v of vols) {
      const pool = await this.repos.db.selectFrom('pools').select('path').where('id', '=', v.poolId).executeTakeFirstOrThrow();
      await this.hostCall(inst.hostId!, 'volume.create', {
        volumeId: v.id, instanceId: inst.id, poolPath: pool.path, sizeGiB: v.sizeGiB,
        provisioning: v.provisioning === 'full' ? 'full' : 'linked', image: v.kind === 'root' ? image : null,
      }, this.timeouts.provisionMs);
      await this.repos.db.updateTable('volumes').set({ state: 'ready' }).where('id', '=', v.id).execute();
    }
  }

  private async destroy(inst: InstanceRow): Promise<void> {
    const vols = await this.repos.db.selectFrom('volumes').selectAll().where('instanceId', '=', inst.id).execute();
    if (inst.hostId) {
      const host = await this.repos.db.selectFrom('hosts').select(['id', 'state']).where('id', '=', inst.hostId).executeTakeFirst();
      if (host) {
        await this.hostCall(host.id, 'instance.destroy', { instanceId: inst.id, statePath: await this.statePath(inst) }, this.timeouts.quickMs * 2);
        for (const v of vols) {
          const pool = await this.repos.db.selectFrom('pools').select('path').where('id', '=', v.poolId).executeTakeFirstOrThrow();
          await this.hostCall(host.id, 'volume.delete', { volumeId: v.id, poolPath: pool.path }, this.timeouts.quickMs);
        }
      }
    }
    // Release capacity, drop volumes and mark deleted in one transaction: a crash repeats all or none.
    let nicNetworks: string[] = [];
    await this.repos.db.transaction().execute(async (trx) => {
      const root = vols.find((v) => v.kind === 'root');
      if (inst.hostId) {
        await this.repos.hosts.release(trx, { hostId: inst.hostId, poolId: root?.poolId ?? '', vcpus: inst.vcpus, memoryMiB: inst.memoryMiB, diskGiB: root?.sizeGiB ?? 0 });
      }
      await trx.deleteFrom('volumes').where('instanceId', '=', inst.id).execute();
      await trx.deleteFrom('affinityMembers').where('instanceId', '=', inst.id).execute();
      nicNetworks = await releaseNics(trx, inst.id, this.iso());
      const v = await this.repos.instances.compareAndSwap(inst.id, inst.version, { phase: 'deleted', task: null, deletedAt: this.iso() }, this.iso(), trx);
      if (v === null) throw new CasLost();
    });
    await publishNetworkChanges(this.notifier, this.repos.db, nicNetworks);
  }

  /** A step failed for good: the instance shows `error` with a reason a person can act on. */
  async fail(id: string, err: TerminalError | Error): Promise<void> {
    const inst = await this.repos.instances.getAny(id);
    if (!inst) return;
    const reason = err.message;
    const code = err instanceof TerminalError ? err.code : 'operation_failed';
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

export function isRetryable(e: unknown): boolean {
  if (e instanceof TerminalError) return false;
  if (e instanceof AgentCallError) return e.code === 'timeout' || e.code === 'host_failure';
  return true;
}

export function asTerminal(e: unknown): TerminalError {
  if (e instanceof TerminalError) return e;
  if (e instanceof AgentCallError) return new TerminalError('operation_failed', e.message);
  if (e instanceof ApiError) return new TerminalError(e.code, e.message);
  return new TerminalError('operation_failed', e instanceof Error ? e.message : String(e));
}
