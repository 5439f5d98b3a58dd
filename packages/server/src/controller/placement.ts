import { diskSerialOf, fixedPciSlots, placeInstance, type Clock, type PlacementCandidate, type PlacementRequest, type SchedulerHost } from '@kumo/core';
import { volumeLevels, type Database, type InstanceRow, type OperationRow, type Repos } from '@kumo/db';
import type { Kysely } from 'kysely';
import { CasLost, TerminalError } from './errors.ts';
import { rbdVolumePath } from '../services/volume-placement.ts';
import { PlacementIndex, type PlacementSize } from './placement-index.ts';
import { readSchedulerHosts } from './scheduler-hosts.ts';

export interface Placement { hostId: string; poolId: string; podId: string; clusterId: string }

/**
 * Choose a host for an instance and reserve its capacity in the same transaction that binds it.
 * Candidates come best first from the server's long-lived capacity index (placement-index.ts); the
 * chosen host is re-read and checked by the pure scheduler inside the transaction, and the
 * conditional UPDATE reserves. If the host changed or a concurrent placement took the room, the
 * host is re-read into the index and the next candidate is tried.
 */
export class PlacementService {
  readonly index: PlacementIndex;

  constructor(private readonly repos: Repos, private readonly clock: Clock, index?: PlacementIndex) {
    this.index = index ?? new PlacementIndex(repos.db, clock);
  }

  async loadHosts(zoneId: string): Promise<SchedulerHost[]> {
    return readSchedulerHosts(this.repos.db, { zoneId });
  }

  async buildRequest(inst: InstanceRow): Promise<PlacementRequest> {
    const db = this.repos.db;
    const zone = await db.selectFrom('zones').select('placementStrategy').where('id', '=', inst.zoneId).executeTakeFirst();
    const dedicated = await this.repos.dedications.accountHasDedicated(inst.accountId);
    const groups = await db.selectFrom('affinityMembers').innerJoin('affinityGroups', 'affinityGroups.id', 'affinityMembers.groupId')
      .select(['affinityGroups.id', 'affinityGroups.policy']).where('affinityMembers.instanceId', '=', inst.id).execute();
    const affinityGroups = [];
    for (const g of groups) affinityGroups.push({ id: g.id, policy: g.policy, hostIds: await this.repos.instances.groupHostIds(g.id, inst.id) });
    const req: PlacementRequest = {
      accountId: inst.accountId, vcpus: inst.vcpus, memoryMiB: inst.memoryMiB, rootDiskGiB: inst.rootDiskGiB, zoneId: inst.zoneId,
      hostTags: JSON.parse(inst.hostTags) as string[], affinityGroups, excludeHostIds: JSON.parse(inst.excludedHostIds) as string[],
      accountHasDedicatedHosts: dedicated, strategy: zone?.placementStrategy ?? 'spread',
    };
    if (inst.podId) req.podId = inst.podId;
    if (inst.clusterId) req.clusterId = inst.clusterId;
    // A container goes to hosts that run containers (LXC), a VM to hosts that run VMs (QEMU).
    req.instanceType = inst.type ?? 'vm';
    if (req.instanceType === 'container') req.rootDiskGiB = 0; // no root volume (placeAndBind)
    return req;
  }

  /**
   * Reserve and bind in one transaction: the instance row gets hostId/poolId (CAS on version) and
   * its root volume row is created (pending), with the `volume.create` operation that asks for it.
   * A container gets no root volume (its root is an overlay over its image's root file system on
   * the host) and reserves no disk. Returns the new version and whether a root volume was made.
   */
  async placeAndBind(inst: InstanceRow, volumePath: (poolPath: string, volumeId: string) => string, volumeId: string, createOp: OperationRow): Promise<{ placement: Placement; version: number; rootVolume: boolean }> {
    const rootVolume = (inst.type ?? 'vm') === 'vm';
    const request = await this.buildRequest(inst);
    const offering = await this.repos.db.selectFrom('offerings').select('diskProvisioning').where('id', '=', inst.offeringId).executeTakeFirst();
    // No await between ranking and counting the first candidate: placements running meanwhile see it.
    let result = (await this.index.current()).place(request, 8);
    // Nothing fits in the index: it may miss a host added or freed since it was read.
    if (!result.ok) result = (await this.index.resync()).place(request, 8);
    if (!result.ok) throw new TerminalError('no_capacity', result.message, { filters: result.filters });
    const size: PlacementSize = { vcpus: inst.vcpus, memoryMiB: inst.memoryMiB, diskGiB: rootVolume ? inst.rootDiskGiB : 0 };
    for (const cand of result.candidates) {
      // Counted at once, so placements running meanwhile rank this host with it; given back below if not bound.
      this.index.reserve(cand.hostId, cand.poolId, size);
      let chosen: { host: SchedulerHost; poolId: string } | undefined;
      const bound = await this.repos.db.transaction().execute(async (trx) => {
        chosen = await this.recheck(trx, cand, request);
        if (!chosen) return null;
        const { host, poolId } = chosen;
        const ok = await this.repos.hosts.reserve(trx, { hostId: host.id, poolId, ...size });
        if (!ok) return null;
        const pool = await trx.selectFrom('pools').select(['path', 'kind', 'rbdPool']).where('id', '=', poolId).executeTakeFirstOrThrow();
        const now = new Date(this.clock.now()).toISOString();
        const v = await this.repos.instances.compareAndSwap(inst.id, inst.version, { hostId: host.id, poolId, podId: host.podId, clusterId: host.clusterId }, now, trx);
        if (v === null) throw new CasLost();
        if (!rootVolume) return v;
        await trx.insertInto('volumes').values({
          id: volumeId, accountId: inst.accountId, instanceId: inst.id, poolId, kind: 'root', sizeGiB: inst.rootDiskGiB,
          // On an rbd pool the root disk is a raw RBD image, a layered clone of the image's base (the agent makes it).
          format: pool.kind === 'rbd' || offering?.diskProvisioning === 'full' ? 'raw' : 'qcow2', provisioning: offering?.diskProvisioning ?? 'linked',
          path: pool.kind === 'rbd' ? rbdVolumePath(pool.rbdPool ?? '', volumeId) : volumePath(pool.path, volumeId), createdAt: now,
          desired: 'ready', phase: 'pending', task: null, observedState: null, observedAt: null, errorReason: null, version: 1, updatedAt: now,
          pciSlot: fixedPciSlots.rootDisk, serial: diskSerialOf(volumeId),
        }).execute();
        // The root disk's GiB-hours start with it (docs/accounting.md), in the same transaction.
        await this.repos.usageEvents.record(trx, { ownerId: inst.accountId, resourceType: 'volume', resourceId: volumeId }, volumeLevels({ phase: 'pending', sizeGiB: inst.rootDiskGiB }), now);
        await trx.insertInto('operations').values(createOp).execute();
        return v;
      }).catch((e: unknown) => {
        this.index.release(cand.hostId, cand.poolId, size);
        if (e instanceof CasLost) return 'cas' as const;
        throw e;
      });
      if (bound === 'cas') throw new CasLost();
      if (bound !== null && chosen) {
        if (chosen.poolId !== cand.poolId) { // the re-read host's best pool: count the disk there
          this.index.release(cand.hostId, cand.poolId, { vcpus: 0, memoryMiB: 0, diskGiB: size.diskGiB });
          this.index.reserve(cand.hostId, chosen.poolId, { vcpus: 0, memoryMiB: 0, diskGiB: size.diskGiB });
        }
        return { placement: { hostId: cand.hostId, poolId: chosen.poolId, podId: chosen.host.podId, clusterId: chosen.host.clusterId }, version: bound, rootVolume };
      }
      // The index was wrong about this host (changed, or filled by another server): read it again.
      this.index.release(cand.hostId, cand.poolId, size);
      await this.index.refreshHosts([cand.hostId]);
    }
    // Every candidate filled up between choosing and reserving: place again (the caller retries).
    throw new Error('every candidate host filled up while placing; placing again');
  }

  /**
   * The candidate's host as the database has it now, if the scheduler still places the request there
   * (state, dedication, tags, affinity, room: every filter), with its best pool; else undefined.
   */
  private async recheck(trx: Kysely<Database>, cand: PlacementCandidate, request: PlacementRequest): Promise<{ host: SchedulerHost; poolId: string } | undefined> {
    const [host] = await readSchedulerHosts(trx, { hostIds: [cand.hostId] });
    if (!host) return undefined;
    const check = placeInstance([host], request, 1);
    const best = check.ok ? check.candidates[0] : undefined;
    return best ? { host, poolId: best.poolId } : undefined;
  }
}
