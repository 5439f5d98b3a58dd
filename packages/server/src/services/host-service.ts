import type { Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { HostAdminState, HostRow, OperationRow, Repos, Scope } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import type { Notifier } from './notifier.ts';
import type { OperationService } from './operation-service.ts';

interface Actor { scope: Scope; username: string }

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
   * enabled | disabled → preparing-maintenance, with a `host.maintenance` operation. Asking again
   * while preparing answers the operation already under way.
   */
  async requestMaintenance(actor: Actor, id: string): Promise<OperationRow> {
    const host = await this.get(actor.scope, id);
    if (host.adminState === 'in-maintenance') throw new ApiError('invalid_state', `host ${host.name} is in maintenance already; enable it to return it to service`, { adminState: host.adminState });
    if (host.adminState === 'preparing-maintenance') {
      const pending = (await this.repos.operations.activeFor(id)).find((o) => o.kind === 'host.maintenance');
      if (pending) return pending;
    }
    return this.transition(actor, host, ['enabled', 'disabled', 'preparing-maintenance'], 'preparing-maintenance', 'host.maintenance');
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

  private async transition(actor: Actor, host: HostRow, from: readonly HostAdminState[], to: HostAdminState, kind: 'host.maintenance' | 'host.enable'): Promise<OperationRow> {
    const op = this.ops.newRow({ accountId: actor.scope.accountId, kind, resourceType: 'host', resourceId: host.id });
    await this.repos.db.transaction().execute(async (trx) => {
      if (!(await this.repos.hosts.transitionAdmin(host.id, from, to, trx))) {
        throw new ApiError('conflict', `host ${host.name} changed meanwhile; look again and retry`);
      }
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
