import { ApiError } from '@kumo/api';
import type { Clock } from '@kumo/core';
import type { InstanceRow, Repos, Scope } from '@kumo/db';
import type { EventLog } from '../services/event-log.ts';
import type { Notifier } from '../services/notifier.ts';

/**
 * An instance's HA flag and restart priority, changed by its owner. Takes effect at once on the
 * server (the HA controller reads it when the host is lost); the host learns it at its next lease
 * renewal (which HA guests to stop itself when it cannot renew).
 */
export class InstanceHaService {
  constructor(private readonly repos: Repos, private readonly events: EventLog, private readonly notifier: Notifier, private readonly clock: Clock) {}

  async update(scope: Scope, id: string, change: { ha?: boolean | undefined; haPriority?: number | undefined }): Promise<InstanceRow> {
    const inst = await this.repos.instances.get(scope, id);
    if (!inst || inst.phase === 'deleted') throw new ApiError('not_found', `instance ${id} not found`);
    const patch: Partial<InstanceRow> = {
      ...(change.ha !== undefined ? { ha: change.ha ? 1 : 0 } : {}),
      ...(change.haPriority !== undefined ? { haPriority: change.haPriority } : {}),
    };
    if ((patch.ha ?? inst.ha) === (inst.ha ?? 0) && (patch.haPriority ?? inst.haPriority) === (inst.haPriority ?? 0)) return inst;
    await this.repos.instances.update(scope, inst.id, { ...patch, updatedAt: new Date(this.clock.now()).toISOString() });
    const ha = (patch.ha ?? inst.ha) === 1;
    await this.events.record({
      accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind: 'instance.ha.changed',
      message: `high availability ${ha ? `on (priority ${patch.haPriority ?? inst.haPriority ?? 0})` : 'off'}`,
    });
    this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
    return (await this.repos.instances.getAny(inst.id))!;
  }
}
