import { diskSerialOf, newId, type Clock } from '@kumo/core';
import { ApiError, type VolumeCreate, type VolumeUpdate } from '@kumo/api';
import type { OperationRow, PoolRow, Repos, Scope, SnapshotRow, VolumeRow } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import type { Notifier } from './notifier.ts';
import { requestHash, type OperationService } from './operation-service.ts';
import { choosePool, volumePathIn } from './volume-placement.ts';
import { enforceQuota } from './quota-service.ts';

/**
 * What the API may do to volumes: create rows and their operations, write `desired`, the name and
 * the disk offering. Never phase, task, attachment or size: the controller writes those once the
 * host confirmed (volume-device-service.ts asks for device changes).
 */
export class VolumeService {
  constructor(
    private readonly repos: Repos,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
  ) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  /** A live volume the caller may see (404 otherwise, for another tenant's too). */
  async get(scope: Scope, id: string, field = 'id'): Promise<VolumeRow> {
    const row = await this.repos.volumes.get(scope, id);
    if (!row || row.desired === 'deleted') throw new ApiError('not_found', `volume ${id} not found`, { field });
    return row;
  }

  /** Refuse a new request while another is unfinished: one change per volume at a time. */
  async requireIdle(v: VolumeRow): Promise<OperationRow[]> {
    const active = await this.repos.operations.activeFor(v.id);
    if (active.length > 0 || v.task !== null) {
      throw new ApiError('invalid_state', `volume ${v.id} is busy (${v.task ?? active[0]!.kind}); wait for that operation to end`, { field: 'id', task: v.task });
    }
    return active;
  }

  publish(v: Pick<VolumeRow, 'id' | 'accountId'>, instanceId: string | null): void {
    this.notifier.publish({ kind: 'volume', id: v.id, accountId: v.accountId, instanceId });
  }

  async create(scope: Scope, b: VolumeCreate, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['volume.create', b]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const r = this.repos;
    const zone = await r.zones.get(scope, b.zoneId);
    if (!zone) throw new ApiError('bad_request', `zone ${b.zoneId} does not exist`, { field: 'zoneId' });
    const offering = b.diskOfferingId ? await r.diskOfferings.get(scope, b.diskOfferingId) : undefined;
    if (b.diskOfferingId && !offering) throw new ApiError('bad_request', `disk offering ${b.diskOfferingId} does not exist`, { field: 'diskOfferingId' });
    let snapshot: SnapshotRow | undefined;
    if (b.snapshotId) {
      snapshot = await r.snapshots.get(scope, b.snapshotId);
      if (!snapshot || snapshot.desired === 'deleted') throw new ApiError('not_found', `snapshot ${b.snapshotId} not found`, { field: 'snapshotId' });
      if (snapshot.phase !== 'ready') throw new ApiError('invalid_state', `snapshot ${snapshot.id} is ${snapshot.phase}; a volume can be made from a ready snapshot`, { field: 'snapshotId' });
    }
    const sizeGiB = b.sizeGiB ?? offering?.sizeGiB ?? snapshot?.sizeGiB;
    if (sizeGiB === undefined) throw new ApiError('bad_request', 'say how big the volume is: sizeGiB, a diskOfferingId or a snapshotId', { field: 'sizeGiB' });
    if (offering && b.sizeGiB !== undefined && b.sizeGiB !== offering.sizeGiB) {
      throw new ApiError('bad_request', `disk offering ${offering.name} makes ${offering.sizeGiB} GiB volumes, not ${b.sizeGiB}; leave sizeGiB out or the offering`, { field: 'sizeGiB' });
    }
    if (snapshot && sizeGiB < snapshot.sizeGiB) {
      throw new ApiError('bad_request', `snapshot ${snapshot.id} is of a ${snapshot.sizeGiB} GiB volume; a volume made from it needs at least that`, { field: 'sizeGiB' });
    }
    let pool: PoolRow;
    if (b.poolId) {
      const named = await r.pools.get(scope, b.poolId);
      if (!named) throw new ApiError('bad_request', `pool ${b.poolId} does not exist`, { field: 'poolId' });
      if (named.zoneId !== zone.id) throw new ApiError('bad_request', `pool ${named.name} is not in zone ${zone.name}`, { field: 'poolId' });
      pool = named;
    } else if (snapshot?.location === 'pool') {
      pool = (await r.pools.get(scope, snapshot.poolId))!;
    } else {
      pool = await choosePool(r, zone.id, sizeGiB);
    }
    if (snapshot?.location === 'pool' && pool.id !== snapshot.poolId) {
      throw new ApiError('bad_request', `snapshot ${snapshot.id} is kept in pool ${snapshot.poolId}; a volume made from it is a clone in that same pool`, { field: 'poolId' });
    }
    if (pool.zoneId !== zone.id) throw new ApiError('bad_request', `pool ${pool.name} is not in zone ${zone.name}`, { field: 'poolId' });
    if (await r.volumes.liveByName(scope, b.name)) throw new ApiError('conflict', `a volume named ${b.name} exists in this account`, { field: 'name' });

    const id = newId('volume', this.clock.now());
    const now = this.iso();
    const row: VolumeRow = {
      id, accountId: scope.accountId, instanceId: null, poolId: pool.id, kind: 'data', sizeGiB,
      format: pool.kind === 'rbd' ? 'raw' : 'qcow2', provisioning: 'linked', path: volumePathIn(pool, id), createdAt: now,
      desired: 'ready', phase: 'pending', task: null, observedState: null, observedAt: null, errorReason: null, version: 1, updatedAt: now,
      pciSlot: null, serial: diskSerialOf(id), name: b.name, diskOfferingId: offering?.id ?? null,
      sourceImageVersionId: null, sourceSnapshotId: snapshot?.id ?? null,
    };
    const op = this.ops.newRow({ accountId: scope.accountId, kind: 'volume.create', resourceType: 'volume', resourceId: id, params: b, idempotencyKey, requestHash: hash });
    await r.db.transaction().execute(async (trx) => {
      await enforceQuota(trx, scope.accountId, { volumes: 1, volumeGiB: sizeGiB });
      if (!(await r.hosts.reservePool(trx, pool.id, sizeGiB))) {
        throw new ApiError('no_capacity', `pool ${pool.name} has no room for ${sizeGiB} GiB more`, { field: 'sizeGiB', resource: 'pool', poolId: pool.id });
      }
      await r.volumes.insert(row, trx);
      await r.operations.insert(op, trx);
      await this.events.record({ accountId: scope.accountId, resourceType: 'volume', resourceId: id, kind: 'volume.created', message: `volume ${b.name} (${sizeGiB} GiB) created on pool ${pool.name}` }, trx);
    });
    this.publish(row, null);
    return op;
  }

  /**
   * Rename, and a new disk offering (its I/O limits). The offering is desired state the API writes;
   * a `volume.update` operation then applies the limits to a running guest (or finds nothing to do).
   */
  async update(scope: Scope, id: string, b: VolumeUpdate, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['volume.update', id, b]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const v = await this.get(scope, id);
    if (b.name !== undefined && b.name !== v.name) {
      if (v.kind === 'root') throw new ApiError('bad_request', 'a root disk is named after its instance', { field: 'name' });
      if (await this.repos.volumes.liveByName(scope, b.name)) throw new ApiError('conflict', `a volume named ${b.name} exists in this account`, { field: 'name' });
    }
    if (b.diskOfferingId) {
      if (!(await this.repos.diskOfferings.get(scope, b.diskOfferingId))) throw new ApiError('bad_request', `disk offering ${b.diskOfferingId} does not exist`, { field: 'diskOfferingId' });
    }
    await this.requireIdle(v);
    const offeringChanges = b.diskOfferingId !== undefined && b.diskOfferingId !== (v.diskOfferingId ?? null);
    if (offeringChanges && v.instanceId) {
      const inst = await this.repos.instances.getAny(v.instanceId);
      if (inst?.phase === 'running' && inst.hostId) await requireHostCapability(this.repos, inst.hostId, 'disk-qos', 'change the I/O limits of a running instance\'s disk');
    }
    const op = this.ops.newRow({ accountId: v.accountId, kind: 'volume.update', resourceType: 'volume', resourceId: id, params: { diskOfferingId: b.diskOfferingId ?? v.diskOfferingId ?? null }, idempotencyKey, requestHash: hash });
    await this.repos.db.transaction().execute(async (trx) => {
      const ok = offeringChanges
        ? await this.repos.volumes.setDiskOffering(scope, id, v.version, b.diskOfferingId ?? null, this.iso(), trx)
        : await this.repos.volumes.claim(scope, id, v.version, this.iso(), trx);
      if (!ok) throw new ApiError('conflict', 'the volume changed while this request was handled; retry');
      if (b.name !== undefined) await this.repos.volumes.update(scope, id, { name: b.name }, trx);
      await this.repos.operations.insert(op, trx);
    });
    this.publish(v, v.instanceId);
    return op;
  }

  async delete(scope: Scope, id: string, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['volume.delete', id]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const v = await this.get(scope, id);
    if (v.kind === 'root') throw new ApiError('invalid_state', `volume ${id} is the root disk of instance ${v.instanceId ?? '?'}; it is deleted with its instance`, { field: 'id' });
    if (v.instanceId) throw new ApiError('in_use', `volume ${id} is attached to instance ${v.instanceId}; detach it first`, { field: 'id', instanceIds: [v.instanceId] });
    await this.requireIdle(v);
    const op = this.ops.newRow({ accountId: v.accountId, kind: 'volume.delete', resourceType: 'volume', resourceId: id, idempotencyKey, requestHash: hash });
    await this.repos.db.transaction().execute(async (trx) => {
      if (!(await this.repos.volumes.requestDelete(scope, id, v.version, this.iso(), trx))) throw new ApiError('conflict', 'the volume changed while this request was handled; retry');
      await this.repos.operations.insert(op, trx);
      await this.events.record({ accountId: v.accountId, resourceType: 'volume', resourceId: id, kind: 'volume.delete.requested', message: `delete of volume ${v.name || id} requested` }, trx);
    });
    this.publish(v, null);
    return op;
  }
}

/** 409 capability_missing, before anything is asked of the host, when it lacks `capability`. */
export async function requireHostCapability(repos: Repos, hostId: string, capability: string, what: string): Promise<void> {
  const host = await repos.hosts.capabilitiesOf(hostId);
  if (host && !host.capabilities.includes(capability)) {
    throw new ApiError('capability_missing', `host ${host.name} (${host.hypervisor}) cannot ${what}: it lacks the capability ${capability}`, { capability, hostId });
  }
}
