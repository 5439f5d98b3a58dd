import { ApiError } from '@kumo/api';
import type { Clock } from '@kumo/core';
import type { InstanceRow, Repos, Scope } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import type { Notifier } from './notifier.ts';
import { checkImageMinimums } from './image-properties.ts';
import { enforceQuota } from './quota-service.ts';

/**
 * Resize: give a stopped instance another offering (its vCPUs and memory; the root disk keeps its
 * size). One transaction: the account's quota is checked for the growth, the instance's reservation
 * on its host is changed by the difference (refused when the host cannot hold the growth), and the
 * row is written with compare-and-swap. The next start boots with the new size.
 */
export class InstanceResizeService {
  constructor(private readonly repos: Repos, private readonly events: EventLog, private readonly notifier: Notifier, private readonly clock: Clock) {}

  async resize(scope: Scope, id: string, offeringId: string): Promise<InstanceRow> {
    const r = this.repos;
    const inst = await r.instances.get(scope, id);
    if (!inst || inst.phase === 'deleted') throw new ApiError('not_found', `instance ${id} not found`);
    const offering = await r.offerings.get(scope, offeringId);
    if (!offering) throw new ApiError('bad_request', `offering ${offeringId} does not exist`, { field: 'offeringId' });
    if (inst.offeringId === offering.id && inst.vcpus === offering.vcpus && inst.memoryMiB === offering.memoryMiB) return inst;
    await this.requireStopped(inst);
    const image = inst.imageId ? await r.images.get(scope, inst.imageId) : undefined;
    if (image) checkImageMinimums(image, { memoryMiB: offering.memoryMiB });
    const delta = { vcpus: offering.vcpus - inst.vcpus, memoryMiB: offering.memoryMiB - inst.memoryMiB };
    const now = new Date(this.clock.now()).toISOString();
    await r.db.transaction().execute(async (trx) => {
      await enforceQuota(trx, inst.accountId, { vcpus: Math.max(delta.vcpus, 0), memoryMiB: Math.max(delta.memoryMiB, 0) });
      if (inst.hostId && !(await r.hosts.adjustReservation(trx, inst.hostId, delta))) {
        throw new ApiError('no_capacity', `host of instance ${inst.name} cannot hold ${offering.vcpus} vCPUs and ${offering.memoryMiB} MiB; stop other instances there or choose a smaller offering`, { field: 'offeringId', resource: 'host' });
      }
      const size = { offeringId: offering.id, vcpus: offering.vcpus, memoryMiB: offering.memoryMiB };
      if (!(await r.instances.setSize(scope, inst.id, inst.version, size, now, trx))) throw new ApiError('conflict', 'the instance changed while this request was handled; retry');
      await this.events.record({
        accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind: 'instance.resized',
        message: `resized from ${inst.vcpus} vCPUs / ${inst.memoryMiB} MiB to offering ${offering.name} (${offering.vcpus} vCPUs / ${offering.memoryMiB} MiB)`,
      }, trx);
    });
    this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
    return (await r.instances.get(scope, inst.id))!;
  }

  /** Only a stopped instance with nothing under way is resized (its host holds no running guest of the old size). */
  private async requireStopped(inst: InstanceRow): Promise<void> {
    if (inst.phase !== 'stopped' || inst.task !== null || inst.desired !== 'stopped') {
      throw new ApiError('invalid_state', `instance ${inst.name} is ${inst.task ?? inst.phase}; stop it before resizing (resize needs phase stopped)`, { phase: inst.phase, task: inst.task });
    }
    if ((await this.repos.operations.activeFor(inst.id)).length > 0 || (await this.repos.imageVersions.captureOf(inst.id))) {
      throw new ApiError('instance_busy', `instance ${inst.name} has an operation under way; resize it when it has ended`, { phase: inst.phase, task: inst.task });
    }
  }
}
