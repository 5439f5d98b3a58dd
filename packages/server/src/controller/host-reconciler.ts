import type { Clock } from '@kumo/core';
import type { HostRow, OperationRow, Repos } from '@kumo/db';
import type { EventLog } from '../services/event-log.ts';
import type { Change, Notifier } from '../services/notifier.ts';
import type { OperationService } from '../services/operation-service.ts';
import { WaitError, type TerminalError } from './errors.ts';
import type { HostEvacuation } from './host-evacuation.ts';
import { workKey, type Reconciler, type WorkKey } from './reconciler.ts';

export interface HostReconcilerOptions {
  /** How often a preparing host looks again even without an instance change (a safety net). */
  pollMs: number;
}

/** What the host's guests are doing, for the maintenance state machine. */
export interface HostGuests { total: number; busy: number }

/**
 * The administrative state machine of a host (liveness, up/disconnected/down, is the host
 * monitor's and stays apart):
 *
 *   enabled ──maintenance──▶ preparing-maintenance ──no instance busy──▶ in-maintenance ──enable──▶ enabled
 *
 * While preparing and in maintenance the scheduler places nothing on the host (hosts-repo reserve
 * only takes enabled hosts). Preparing first evacuates the guests (evacuateGuests, with a
 * HostEvacuation: live migration a few at a time, stopped ones moved or left, the ones that cannot
 * move listed until the operator stops them or cancels), then waits until no instance on the host
 * has a task in progress. Without an evacuation (no migration service) the guests stay and keep
 * running, and the operation says how many remain.
 */
export class HostReconciler implements Reconciler<'host'> {
  readonly kind = 'host' as const;

  private evacuation: HostEvacuation | null = null;

  constructor(
    private readonly repos: Repos,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly opts: HostReconcilerOptions,
  ) {}

  /** Evacuate guests by migration from now on (the server wires it once it can migrate). */
  useEvacuation(evacuation: HostEvacuation): void { this.evacuation = evacuation; }

  unsettledIds(): Promise<string[]> { return this.repos.hosts.preparingMaintenanceIds(); }

  /**
   * A host's own changes; an instance's change wakes its host (and target host) when that host is
   * preparing maintenance; so does the end of an operation its evacuation asked for.
   */
  async keysFor(c: Change): Promise<WorkKey[]> {
    if (c.kind === 'host') return [workKey('host', c.id)];
    if (c.kind === 'operation' && this.evacuation && ['succeeded', 'failed', 'cancelled'].includes(c.status)) {
      const rows = await this.repos.db.selectFrom('hostEvacuationItems').select('hostId').where('operationId', '=', c.id).execute();
      return rows.map((r) => workKey('host', r.hostId));
    }
    if (c.kind !== 'instance') return [];
    const rows = await this.repos.db.selectFrom('instances')
      .innerJoin('hosts', (j) => j.on((eb) => eb.or([eb('hosts.id', '=', eb.ref('instances.hostId')), eb('hosts.id', '=', eb.ref('instances.targetHostId'))])))
      .select('hosts.id').where('instances.id', '=', c.id).where('hosts.adminState', '=', 'preparing-maintenance').execute();
    return rows.map((r) => workKey('host', r.id));
  }

  async guests(hostId: string): Promise<HostGuests> {
    const rows = await this.repos.db.selectFrom('instances').select(['task'])
      .where((eb) => eb.or([eb('hostId', '=', hostId), eb('targetHostId', '=', hostId)]))
      .where('phase', '!=', 'deleted').execute();
    return { total: rows.length, busy: rows.filter((r) => r.task !== null).length };
  }

  /**
   * Move the host's guests elsewhere (one pass of the evacuation); waits (WaitError) while guests
   * are still to move or cannot move, with the operation saying where each stands.
   */
  protected async evacuateGuests(host: HostRow, active: OperationRow[]): Promise<HostGuests> {
    if (this.evacuation) {
      const op = active.find((o) => o.kind === 'host.maintenance');
      const step = await this.evacuation.step(host, op);
      if (!step.done) {
        if (op) await this.ops.start(op, step.message, step.progress);
        throw new WaitError(step.message, this.opts.pollMs);
      }
    }
    return this.guests(host.id);
  }

  async reconcile(id: string): Promise<boolean> {
    const host = await this.repos.hosts.getAny(id);
    if (!host) return false;
    const active = await this.repos.operations.activeFor(id);
    if (host.adminState !== 'preparing-maintenance') {
      await this.evacuation?.end(host);
      await this.settle(host, active);
      return false;
    }
    const g = await this.evacuateGuests(host, active);
    const remain = `${g.total} guest${g.total === 1 ? '' : 's'} on the host`;
    if (g.busy > 0) {
      for (const op of active) if (op.kind === 'host.maintenance') await this.ops.start(op, `waiting for ${g.busy} instance task${g.busy === 1 ? '' : 's'} to finish; ${remain}`, 50);
      throw new WaitError(`host ${host.name}: ${g.busy} instance tasks in progress`, this.opts.pollMs);
    }
    if (!(await this.repos.hosts.transitionAdmin(id, ['preparing-maintenance'], 'in-maintenance'))) return true; // changed meanwhile: look again
    const message = g.total === 0
      ? `host ${host.name} is in maintenance; no guests remain on it`
      : this.evacuation
        ? `host ${host.name} is in maintenance; ${g.total} stopped guest${g.total === 1 ? ' remains' : 's remain'} on it`
        : `host ${host.name} is in maintenance; ${g.total} guest${g.total === 1 ? ' remains' : 's remain'} on it and keep${g.total === 1 ? 's' : ''} running (evacuation by live migration is not available on this server)`;
    await this.events.record({ accountId: 'acct-system', resourceType: 'host', resourceId: id, kind: 'host.in-maintenance', message });
    for (const op of active) if (op.kind === 'host.maintenance') await this.ops.finish(op.id, 'succeeded', message);
    this.notifier.publish({ kind: 'host', id });
    return true;
  }

  /** End the operations the current admin state answers: done, or overtaken by a later request. */
  private async settle(host: HostRow, active: OperationRow[]): Promise<void> {
    for (const op of active) {
      if (op.kind === 'host.enable') {
        if (host.adminState === 'enabled') await this.ops.finish(op.id, 'succeeded', `host ${host.name} is enabled`);
        else await this.ops.finish(op.id, 'cancelled', `host ${host.name} is ${host.adminState}: a later request overtook the enable`);
      } else if (op.kind === 'host.maintenance') {
        if (host.adminState === 'in-maintenance') await this.ops.finish(op.id, 'succeeded', `host ${host.name} is in maintenance`);
        else await this.ops.finish(op.id, 'cancelled', `host ${host.name} is ${host.adminState}: a later request overtook the maintenance`);
      }
    }
  }

  async fail(id: string, err: TerminalError): Promise<void> {
    for (const op of await this.repos.operations.activeFor(id)) await this.ops.finish(op.id, 'failed', err.message, { code: err.code, message: err.message });
    await this.events.record({ accountId: 'acct-system', resourceType: 'host', resourceId: id, kind: 'host.error', severity: 'error', message: err.message });
  }
}
