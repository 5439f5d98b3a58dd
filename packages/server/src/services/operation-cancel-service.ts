import { cancellableActions, type Clock, type InstanceAction } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { OperationRow, Repos, Scope } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import type { Notifier } from './notifier.ts';
import { terminalStatuses, type OperationService } from './operation-service.ts';

/**
 * Cancelling an operation: the user's request is recorded (cancelRequestedAt) together with the
 * instance's `desired` going back to where it was, in one compare-and-swap; the controller then
 * cancels the host's job, which undoes its work, and ends the operation `cancelled`. Only work that
 * a host can roll back is cancellable (core's cancellableActions).
 */
export class OperationCancelService {
  constructor(
    private readonly repos: Repos,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
  ) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  async cancel(scope: Scope, id: string): Promise<OperationRow> {
    const op = await this.ops.get(scope, id);
    if (terminalStatuses.has(op.status)) throw new ApiError('not_cancellable', `operation ${id} has ended (${op.status})`, { status: op.status });
    if (op.cancelRequestedAt !== null) return op;
    if (op.kind === 'snapshot.create') return this.cancelSnapshot(scope, op);
    if (op.kind === 'instance.migrate') return this.cancelMigration(scope, op);
    const action = op.resourceType === 'instance' && op.kind.startsWith('instance.') ? op.kind.slice('instance.'.length) as InstanceAction : null;
    const revertTo = action ? cancellableActions[action] : undefined;
    if (!revertTo) {
      const which = [...Object.keys(cancellableActions).map((a) => `instance.${a}`), 'instance.migrate', 'snapshot.create'].join(', ');
      throw new ApiError('not_cancellable', `operations of kind ${op.kind} cannot be cancelled; cancellable kinds: ${which}`, { kind: op.kind });
    }
    const inst = await this.repos.instances.getAny(op.resourceId);
    if (!inst) throw new ApiError('not_found', `instance ${op.resourceId} not found`);
    if (inst.hostId) {
      const host = await this.repos.hosts.getAny(inst.hostId);
      if (host && host.protocol < 2) {
        throw new ApiError('not_cancellable', `host ${host.name} runs an agent of protocol ${host.protocol}, which cannot cancel work; upgrade its agent`, { hostId: inst.hostId });
      }
    }
    const now = this.iso();
    await this.repos.db.transaction().execute(async (trx) => {
      if (!(await this.repos.instances.requestDesired(scope, inst.id, inst.version, { desired: revertTo }, now, trx))) {
        throw new ApiError('conflict', 'the instance changed while this request was handled; retry');
      }
      await this.repos.operations.requestCancel(scope, op.id, now, trx);
      await this.events.record({ accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind: `${op.kind}.cancel-requested`, message: `cancel of ${op.kind} requested` }, trx);
    });
    this.notifier.publish({ kind: 'cancel', resourceType: 'instance', resourceId: inst.id });
    this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
    return this.ops.get(scope, id);
  }

  /**
   * A migration: the stream is cancelled and the target's copy removed; the guest stays on its
   * source. Once the switch-over has begun the migration completes instead (the operation says so).
   */
  private async cancelMigration(scope: Scope, op: OperationRow): Promise<OperationRow> {
    const now = this.iso();
    await this.repos.operations.requestCancel(scope, op.id, now);
    await this.events.record({ accountId: op.accountId, resourceType: 'instance', resourceId: op.resourceId, kind: 'instance.migrate.cancel-requested', message: 'cancel of instance.migrate requested' });
    this.notifier.publish({ kind: 'cancel', resourceType: 'instance', resourceId: op.resourceId });
    this.notifier.publish({ kind: 'instance', id: op.resourceId, accountId: op.accountId });
    return this.ops.get(scope, op.id);
  }

  /** A snapshot being taken: the host stops its job and removes what it made; the snapshot row goes away. */
  private async cancelSnapshot(scope: Scope, op: OperationRow): Promise<OperationRow> {
    const now = this.iso();
    await this.repos.operations.requestCancel(scope, op.id, now);
    await this.events.record({ accountId: op.accountId, resourceType: 'snapshot', resourceId: op.resourceId, kind: 'snapshot.create.cancel-requested', message: 'cancel of snapshot.create requested' });
    this.notifier.publish({ kind: 'cancel', resourceType: 'snapshot', resourceId: op.resourceId });
    this.notifier.publish({ kind: 'snapshot', id: op.resourceId, accountId: op.accountId });
    return this.ops.get(scope, op.id);
  }
}
