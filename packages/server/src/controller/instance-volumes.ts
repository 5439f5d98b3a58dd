import type { Clock } from '@kumo/core';
import type { InstanceRow, OperationRow, Repos, VolumeRow } from '@kumo/db';
import type { Notifier } from '../services/notifier.ts';
import type { OperationService } from '../services/operation-service.ts';
import { CasLost, ParkedError, TerminalError } from './errors.ts';

/**
 * What an instance asks of its volumes. The instance owns its root disk, so it writes the volume's
 * `desired` and opens its operations (as the API will for user volumes); the volume reconciler does
 * the work, and its change notifications wake the instance: waiting goes through the queue, never a poll.
 */
export class InstanceVolumes {
  constructor(
    private readonly repos: Repos,
    private readonly ops: OperationService,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
  ) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  private async open(v: VolumeRow, kind: 'volume.create' | 'volume.delete'): Promise<void> {
    await this.repos.operations.insert(this.ops.newRow({ accountId: v.accountId, kind, resourceType: 'volume', resourceId: v.id }));
    this.notifier.publish({ kind: 'volume', id: v.id, accountId: v.accountId, instanceId: v.instanceId });
  }

  /**
   * Returns when every volume of the instance is ready; otherwise parks the instance (ParkedError).
   * A volume that failed fails the instance with its reason, unless the instance's operation was
   * asked for after that failure (a user's new start): then the volume is asked to try again.
   */
  async awaitReady(inst: InstanceRow, active: OperationRow[]): Promise<void> {
    const waiting: string[] = [];
    for (const v of await this.repos.volumes.ofInstance(inst.id)) {
      if (v.phase === 'ready') continue;
      waiting.push(v.id);
      if (v.phase !== 'error') continue;
      if ((await this.repos.operations.activeFor(v.id)).length > 0) continue;
      const failedAt = v.updatedAt ?? v.createdAt;
      if (!active.some((o) => o.createdAt > failedAt)) {
        throw new TerminalError('operation_failed', `volume ${v.id} could not be created: ${v.errorReason ?? 'unknown error'}`);
      }
      await this.open(v, 'volume.create');
    }
    if (waiting.length > 0) throw new ParkedError(`waiting for volume ${waiting.join(', ')} to be ready`);
  }

  /**
   * Ask for the instance's root disk to be deleted (parks until it is gone). Data volumes are the
   * user's: the guest is destroyed already, so they are detached in the database and kept.
   */
  async deleteAll(inst: InstanceRow): Promise<void> {
    const all = await this.repos.volumes.ofInstance(inst.id);
    for (const v of all.filter((x) => x.kind === 'data')) {
      const nv = await this.repos.volumes.compareAndSwap(v.id, v.version, { instanceId: null, pciSlot: null, task: null }, this.iso());
      if (nv === null) throw new CasLost('volume');
      this.notifier.publish({ kind: 'volume', id: v.id, accountId: v.accountId, instanceId: null });
    }
    const vols = all.filter((x) => x.kind !== 'data');
    for (const v of vols) {
      if (v.desired === 'deleted') continue;
      const nv = await this.repos.volumes.compareAndSwap(v.id, v.version, { desired: 'deleted' }, this.iso());
      if (nv === null) throw new CasLost('volume');
      await this.open(v, 'volume.delete');
    }
    if (vols.length > 0) throw new ParkedError(`waiting for volume ${vols.map((v) => v.id).join(', ')} to be deleted`);
  }
}
