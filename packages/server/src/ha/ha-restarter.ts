import { placeInstance, type Clock } from '@kumo/core';
import type { InstanceRow, Repos } from '@kumo/db';
import { PlacementService } from '../controller/placement.ts';

/**
 * Rebinds an HA instance from its lost host to another host of the same cluster (its volumes are on
 * the cluster's shared storage), reserving the capacity there and releasing it on the lost host in
 * one transaction, CAS on the instance's version. The instance is left `stopped` with `desired`
 * running: the instance reconciler starts it on the new host like any other start.
 */
export class HaRestarter {
  private readonly placement: PlacementService;

  constructor(private readonly repos: Repos, private readonly clock: Clock) {
    this.placement = new PlacementService(repos, clock);
  }

  /** The host it now is bound to, or null when no host of the cluster fits (excluding `exclude`). */
  async rebind(inst: InstanceRow, lostHostId: string, exclude: readonly string[]): Promise<{ hostId: string } | { none: string; retry?: boolean }> {
    const req = await this.placement.buildRequest(inst);
    req.excludeHostIds = [...new Set([...req.excludeHostIds, ...exclude, lostHostId])];
    req.rootDiskGiB = 1; // the disk exists already, on shared storage: only the host's capacity counts
    if (inst.clusterId) req.clusterId = inst.clusterId;
    const hosts = await this.placement.loadHosts(inst.zoneId);
    const result = placeInstance(hosts, req, 8);
    if (!result.ok) return { none: result.message };
    const now = new Date(this.clock.now()).toISOString();
    for (const cand of result.candidates) {
      const ok = await this.repos.db.transaction().execute(async (trx) => {
        const fits = await this.repos.hosts.reserve(trx, { hostId: cand.hostId, poolId: inst.poolId ?? '', vcpus: inst.vcpus, memoryMiB: inst.memoryMiB, diskGiB: 0 });
        if (!fits) return false;
        if (inst.hostId) await this.repos.hosts.release(trx, { hostId: inst.hostId, poolId: '', vcpus: inst.vcpus, memoryMiB: inst.memoryMiB, diskGiB: 0 });
        const r = await trx.updateTable('instances').set({
          hostId: cand.hostId, phase: 'stopped', task: null, observedPower: null, observedAt: null, errorReason: null,
          haRestarts: (inst.haRestarts ?? 0) + 1, haLastRestartAt: now, haRestartedFrom: inst.haRestartedFrom ?? lostHostId,
          version: inst.version + 1, updatedAt: now,
        }).where('id', '=', inst.id).where('version', '=', inst.version).executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw new Error('changed concurrently');
        return true;
      }).catch((e: unknown) => { if ((e as Error).message === 'changed concurrently') return null; throw e; });
      if (ok === null) return { none: 'the instance changed concurrently', retry: true };
      if (ok) return { hostId: cand.hostId };
    }
    return { none: 'every candidate host filled up while restarting' };
  }
}
