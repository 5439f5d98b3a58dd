import type { Clock, PowerState } from '@kumo/core';
import type { InventoryEntry } from '@kumo/api';
import type { InstanceRow, InstanceStatusPatch, Repos } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import type { EventLog } from '../services/event-log.ts';

/**
 * Folds what agents observe into the database: `observed` always; `phase` only when no task is
 * in progress and the hypervisor contradicts it (a guest that powered itself off, a crash, a host
 * that lost its guests). Copies of instances the database does not place on that host are destroyed,
 * so an instance never runs in two places.
 *
 * While an instance moves it may have two copies (docs/operators.md, "An instance on two hosts"):
 * the one on `hostId` is the one that may run and the one `observed` describes; the one on
 * `targetHostId` is expected only while it waits (`incoming` or `paused`) and is otherwise
 * destroyed, as is a copy on any third host.
 */
export class InventorySync {
  constructor(
    private readonly repos: Repos,
    private readonly gateway: AgentGateway,
    private readonly events: EventLog,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly enqueue: (instanceId: string) => void,
  ) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  async apply(hostId: string, entries: InventoryEntry[], full: boolean): Promise<void> {
    const seen = new Set<string>();
    for (const e of entries) {
      seen.add(e.instanceId);
      const inst = await this.repos.instances.getAny(e.instanceId);
      if (inst && inst.phase !== 'deleted' && inst.hostId !== hostId && isWaitingTargetCopy(inst, hostId, e.power)) continue;
      if (inst && inst.phase !== 'deleted' && inst.hostId !== hostId && await this.isTakingOver(inst, hostId, e.power)) { this.enqueue(inst.id); continue; }
      if (!inst || inst.phase === 'deleted' || (inst.hostId !== null && inst.hostId !== hostId)) {
        await this.destroyStray(hostId, e.instanceId, inst);
        continue;
      }
      await this.observe(inst, e.power, e.reason);
    }
    if (full) {
      // Instances the database places here that the agent does not have (host rebooted, wiped).
      for (const inst of await this.repos.instances.onHost(hostId)) {
        if (!seen.has(inst.id) && (inst.phase === 'running' || inst.phase === 'paused' || inst.phase === 'saved')) await this.observe(inst, 'stopped', 'not found on host');
        else if (!seen.has(inst.id) && inst.task !== null) this.enqueue(inst.id);
      }
    }
  }

  /**
   * The target's copy runs because the migration stream completed (the source is paused, 'migrated'):
   * the controller is switching hostId over to it (instance-migration.ts) and must find it running.
   */
  private async isTakingOver(inst: InstanceRow, hostId: string, power: PowerState): Promise<boolean> {
    if (power !== 'running' || (inst.targetHostId ?? null) !== hostId) return false;
    const m = await this.repos.migrations.activeFor(inst.id);
    return m !== undefined && m.targetHostId === hostId && (m.state === 'migrating' || m.state === 'switching');
  }

  private async destroyStray(hostId: string, instanceId: string, inst: InstanceRow | undefined): Promise<void> {
    this.log.warn({ hostId, instanceId, boundTo: inst?.hostId }, 'destroying a copy of an instance the database does not place on this host');
    const why = inst && inst.targetHostId === hostId ? ' (a copy on the target host may only wait, incoming or paused)' : '';
    await this.events.record({
      accountId: inst?.accountId ?? 'acct-system', resourceType: 'instance', resourceId: instanceId, kind: 'instance.stray', severity: 'warning',
      message: `host ${hostId} had a copy of ${instanceId} that should not run there${why}; it was destroyed`,
    });
    await this.gateway.call(hostId, 'instance.destroy', { instanceId }, 60_000).catch((e: unknown) => this.log.error({ err: e }, 'stray destroy failed'));
  }

  private async observe(inst: InstanceRow, power: PowerState, reason: string | undefined): Promise<void> {
    await this.repos.instances.setObserved(inst.id, power, this.iso());
    if (inst.task !== null) { this.enqueue(inst.id); return; } // the controller is acting: it will see
    const phaseNow: 'running' | 'paused' | 'saved' | 'stopped' | null = power === 'running' ? 'running' : power === 'paused' ? 'paused' : power === 'saved' ? 'saved' : power === 'stopped' || power === 'crashed' ? 'stopped' : null;
    if (phaseNow === null || phaseNow === inst.phase || inst.phase === 'pending' || inst.phase === 'error') return;
    if (inst.phase === 'stopped' && phaseNow !== 'stopped' && inst.desired === 'stopped') { this.enqueue(inst.id); }
    // A guest that shut itself down is a stop by its owner: desired follows. A crash is not: the
    // controller starts it again if it should run.
    const guestInitiated = phaseNow === 'stopped' && /guest/i.test(reason ?? '');
    const patch: InstanceStatusPatch = guestInitiated ? { phase: phaseNow, desired: 'stopped' } : { phase: phaseNow };
    const v = await this.repos.instances.compareAndSwap(inst.id, inst.version, patch, this.iso());
    if (v === null) { this.enqueue(inst.id); return; }
    await this.events.record({
      accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind: `instance.observed.${phaseNow}`,
      severity: guestInitiated || phaseNow !== 'stopped' ? 'info' : 'warning',
      message: `host reports ${inst.name} ${power}${reason ? ` (${reason})` : ''}`,
    });
    this.enqueue(inst.id);
  }
}

/** Power states in which the copy on an instance's target host is expected: it waits, it does not run. */
const targetCopyPowers: ReadonlySet<string> = new Set(['incoming', 'paused']);

/** A copy on the instance's target host that is waiting for (or paused after) the migration stream. */
export function isWaitingTargetCopy(inst: Pick<InstanceRow, 'targetHostId'>, hostId: string, power: string): boolean {
  return (inst.targetHostId ?? null) === hostId && targetCopyPowers.has(power);
}
