import type { Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { HostAdminState, HostRow, OperationRow, Repos, Scope } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import type { Notifier } from './notifier.ts';
import type { OperationService } from './operation-service.ts';

interface Actor { scope: Scope; username: string }

/** How to evacuate (POST /hosts/{id}/maintenance body); stored in the host.maintenance operation's params. */
export interface MaintenanceRequest { concurrency?: number | undefined; stoppedInstances?: 'move' | 'leave' | undefined; stopRemaining?: boolean | undefined }

function checkMaintenanceRequest(body: MaintenanceRequest): MaintenanceRequest {
  const out: MaintenanceRequest = {};
  if (body.concurrency !== undefined) {
    if (!Number.isInteger(body.concurrency) || body.concurrency < 1 || body.concurrency > 32) {
      throw new ApiError('bad_request', 'concurrency must be an integer from 1 to 32', { field: 'concurrency' });
    }
    out.concurrency = body.concurrency;
  }
  if (body.stoppedInstances !== undefined) {
    if (body.stoppedInstances !== 'move' && body.stoppedInstances !== 'leave') throw new ApiError('bad_request', 'stoppedInstances must be move or leave', { field: 'stoppedInstances' });
    out.stoppedInstances = body.stoppedInstances;
  }
  if (body.stopRemaining !== undefined) out.stopRemaining = body.stopRemaining === true;
  return out;
}

/**
 * The administrative side of hosts: maintenance, enable, disable. The service writes the wish
 * (admin state + an operation) in one transaction; the host reconciler drives preparing-maintenance
 * to in-maintenance and ends the operations (docs/operators.md, "Host maintenance").
 */
export class HostService {
  constructor(
    private readonly repos: Repos,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
  ) {}

  async get(scope: Scope, id: string): Promise<HostRow> {
    const host = await this.repos.hosts.get(scope, id);
    if (!host) throw new ApiError('not_found', `host ${id} not found`);
    return host;
  }

  /** Instances (not deleted) on the host, for its view. */
  async instanceCount(id: string): Promise<number> {
    return this.repos.hosts.instanceCount(id);
  }

  /**
   * Refuse to delete a host that is up or still holds instances; otherwise remove its local pools,
   * so that the host row itself can go.
   */
  async prepareDelete(host: HostRow): Promise<void> {
    if (host.state === 'up') throw new ApiError('invalid_state', `host ${host.name} is up; disable it and stop its agent first`);
    const n = await this.repos.hosts.countReferences('instances', 'hostId', host.id);
    if (n > 0) throw new ApiError('in_use', `host ${host.id} still has ${n} instances; delete them first`, { references: 'instances', count: n });
    await this.repos.hosts.deleteLocalPools(host.id);
  }

  /**
   * enabled | disabled → preparing-maintenance, with a `host.maintenance` operation whose params
   * hold how to evacuate (a fresh evacuation: the previous one's items are forgotten). Asking again
   * while preparing answers the operation already under way, with the options given merged into it
   * (e.g. stopRemaining once the blocked guests are known).
   */
  async requestMaintenance(actor: Actor, id: string, body: MaintenanceRequest = {}): Promise<OperationRow> {
    const options = checkMaintenanceRequest(body);
    const host = await this.get(actor.scope, id);
    if (host.adminState === 'in-maintenance') throw new ApiError('invalid_state', `host ${host.name} is in maintenance already; enable it to return it to service`, { adminState: host.adminState });
    if (host.adminState === 'preparing-maintenance') {
      const pending = (await this.repos.operations.activeFor(id)).find((o) => o.kind === 'host.maintenance');
      if (pending) {
        if (Object.keys(options).length === 0) return pending;
        const params = JSON.stringify({ ...(JSON.parse(pending.params) as object), ...options });
        await this.ops.update(pending.id, { params });
        if (options.stopRemaining) {
          await this.events.record({ accountId: 'acct-system', resourceType: 'host', resourceId: id, kind: 'host.evacuation.stop-remaining', message: `host ${host.name}: ${actor.username} chose to stop the instances that cannot move` });
        }
        this.notifier.publish({ kind: 'host', id });
        return { ...pending, params };
      }
    }
    return this.transition(actor, host, ['enabled', 'disabled', 'preparing-maintenance'], 'preparing-maintenance', 'host.maintenance', options);
  }

  /** Any admin state → enabled, with a `host.enable` operation (a maintenance under way is overtaken). */
  async requestEnable(actor: Actor, id: string): Promise<OperationRow> {
    const host = await this.get(actor.scope, id);
    return this.transition(actor, host, ['enabled', 'disabled', 'preparing-maintenance', 'in-maintenance'], 'enabled', 'host.enable');
  }

  /** Takes effect at once: no new instances; the ones there stay. Not from maintenance (enable first). */
  async disable(actor: Actor, id: string): Promise<HostRow> {
    const host = await this.get(actor.scope, id);
    if (host.adminState === 'disabled') return host;
    if (!(await this.repos.hosts.transitionAdmin(id, ['enabled'], 'disabled'))) {
      throw new ApiError('invalid_state', `host ${host.name} is ${host.adminState}; only an enabled host can be disabled`, { adminState: host.adminState });
    }
    await this.events.record({ accountId: 'acct-system', resourceType: 'host', resourceId: id, kind: 'host.disabled', message: `host ${host.name}: disabled by ${actor.username}` });
    this.notifier.publish({ kind: 'host', id });
    return { ...host, adminState: 'disabled' };
  }

  private async transition(actor: Actor, host: HostRow, from: readonly HostAdminState[], to: HostAdminState, kind: 'host.maintenance' | 'host.enable', params?: MaintenanceRequest): Promise<OperationRow> {
    const op = this.ops.newRow({ accountId: actor.scope.accountId, kind, resourceType: 'host', resourceId: host.id, params: params ?? {} });
    await this.repos.db.transaction().execute(async (trx) => {
      if (!(await this.repos.hosts.transitionAdmin(host.id, from, to, trx))) {
        throw new ApiError('conflict', `host ${host.name} changed meanwhile; look again and retry`);
      }
      if (kind === 'host.maintenance' && host.adminState !== 'preparing-maintenance') await this.repos.evacuations.clear(host.id, trx);
      await this.repos.operations.insert(op, trx);
      await this.events.record({
        accountId: 'acct-system', resourceType: 'host', resourceId: host.id, kind: `${kind}.requested`,
        message: `host ${host.name}: ${kind === 'host.enable' ? 'enable' : 'maintenance'} requested by ${actor.username}`,
      }, trx);
    });
    this.notifier.publish({ kind: 'host', id: host.id });
    return op;
  }
}
