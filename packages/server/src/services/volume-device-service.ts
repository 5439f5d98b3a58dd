import { allocatePciSlot, DeviceSlotError, type Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { Kysely } from 'kysely';
import type { Database, InstanceRow, OperationRow, Repos, Scope, VolumeRow } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import { requestHash, type OperationService } from './operation-service.ts';
import { poolUnreachableReason } from './volume-placement.ts';
import { requireHostCapability, type VolumeService } from './volume-service.ts';
import { enforceQuota } from './quota-service.ts';

/** The kinds of operation that change a volume's device state (attachment, size, contents, limits). */
export const volumeDeviceOperations = ['volume.attach', 'volume.detach', 'volume.resize', 'volume.restore', 'volume.update'] as const;
export type VolumeDeviceOperation = (typeof volumeDeviceOperations)[number];

/**
 * Requests for device changes: attach, detach, resize, restore. Each is checked here (4xx naming the
 * field, nothing changed), then recorded as an operation whose params are the desired value, in the
 * transaction that claims the volume's version (one request per volume at a time). The controller
 * carries it out, serialised with the instance's lifecycle (docs/architecture.md).
 */
export class VolumeDeviceService {
  constructor(
    private readonly repos: Repos,
    private readonly volumes: VolumeService,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly clock: Clock,
  ) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  private async instanceOf(scope: Scope, id: string): Promise<InstanceRow> {
    const inst = await this.repos.instances.get(scope, id);
    if (!inst || inst.phase === 'deleted' || inst.desired === 'deleted') throw new ApiError('not_found', `instance ${id} not found`, { field: 'instanceId' });
    return inst;
  }

  /** Record the request: claim the volume (CAS on version), insert the operation, log it. */
  private async request(scope: Scope, v: VolumeRow, kind: VolumeDeviceOperation, params: object, idempotencyKey: string | undefined, hash: string, message: string, wakes: string | null, trxExtra?: (trx: Kysely<Database>) => Promise<void>): Promise<OperationRow> {
    const op = this.ops.newRow({ accountId: v.accountId, kind, resourceType: 'volume', resourceId: v.id, params, idempotencyKey, requestHash: hash });
    await this.repos.db.transaction().execute(async (trx) => {
      if (!(await this.repos.volumes.claim(scope, v.id, v.version, this.iso(), trx))) throw new ApiError('conflict', 'the volume changed while this request was handled; retry');
      if (trxExtra) await trxExtra(trx);
      await this.repos.operations.insert(op, trx);
      await this.events.record({ accountId: v.accountId, resourceType: 'volume', resourceId: v.id, kind: `${kind}.requested`, message }, trx);
    });
    this.volumes.publish(v, wakes);
    return op;
  }

  async attach(scope: Scope, id: string, instanceId: string, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['volume.attach', id, instanceId]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const v = await this.volumes.get(scope, id);
    const inst = await this.instanceOf(scope, instanceId);
    if (v.kind === 'root') throw new ApiError('invalid_state', `volume ${id} is a root disk; it stays with its instance`, { field: 'id' });
    if (v.instanceId === inst.id) throw new ApiError('invalid_state', `volume ${id} is already attached to instance ${inst.name}`, { field: 'instanceId' });
    if (v.instanceId) throw new ApiError('in_use', `volume ${id} is attached to instance ${v.instanceId}; a volume is attached to one instance at a time: detach it first`, { field: 'instanceId', instanceIds: [v.instanceId] });
    if (v.phase !== 'ready') throw new ApiError('invalid_state', `volume ${id} is ${v.phase}; a ready volume can be attached`, { field: 'id' });
    await this.volumes.requireIdle(v);
    if (inst.phase !== 'running' && inst.phase !== 'stopped') {
      throw new ApiError('invalid_state', `instance ${inst.name} is ${inst.phase}; volumes are attached to running or stopped instances`, { field: 'instanceId', phase: inst.phase });
    }
    if (!inst.hostId) throw new ApiError('invalid_state', `instance ${inst.name} has no host yet`, { field: 'instanceId' });
    const [pool, host] = await Promise.all([this.repos.pools.get(scope, v.poolId), this.repos.hosts.getAny(inst.hostId)]);
    if (pool && host) {
      const why = poolUnreachableReason(pool, host);
      if (why) throw new ApiError('bad_request', `volume ${id} cannot be attached to instance ${inst.name}: ${why}`, { field: 'instanceId', poolId: pool.id, hostId: host.id });
    }
    if (inst.phase === 'running') await requireHostCapability(this.repos, inst.hostId, 'hot-attach-disk', 'attach disks to running instances');
    const used = (await this.repos.volumes.ofInstance(inst.id)).map((x) => x.pciSlot).filter((s): s is number => s !== null);
    try { allocatePciSlot('dataDisk', used); } catch (e) {
      if (e instanceof DeviceSlotError) throw new ApiError('no_capacity', `instance ${inst.name} has no free slot for another data disk: ${e.message}`, { field: 'instanceId', resource: 'pciSlot' });
      throw e;
    }
    return this.request(scope, v, 'volume.attach', { instanceId: inst.id }, idempotencyKey, hash, `attach of volume ${v.name || id} to ${inst.name} requested`, inst.id);
  }

  async detach(scope: Scope, id: string, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['volume.detach', id]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const v = await this.volumes.get(scope, id);
    if (v.kind === 'root') throw new ApiError('invalid_state', `volume ${id} is a root disk; it stays with its instance`, { field: 'id' });
    if (!v.instanceId) throw new ApiError('invalid_state', `volume ${id} is not attached`, { field: 'id' });
    await this.volumes.requireIdle(v);
    const inst = await this.repos.instances.getAny(v.instanceId);
    if (inst && inst.phase !== 'running' && inst.phase !== 'stopped' && inst.phase !== 'error') {
      throw new ApiError('invalid_state', `instance ${inst.name} is ${inst.phase}; volumes are detached from running or stopped instances`, { field: 'id', phase: inst.phase });
    }
    if (inst?.phase === 'running' && inst.hostId) await requireHostCapability(this.repos, inst.hostId, 'hot-attach-disk', 'detach disks from running instances');
    return this.request(scope, v, 'volume.detach', { instanceId: v.instanceId }, idempotencyKey, hash, `detach of volume ${v.name || id} requested`, v.instanceId);
  }

  /** Grow a volume to exactly sizeGiB; shrinking is refused. The pool's room for the growth is reserved now. */
  async resize(scope: Scope, id: string, sizeGiB: number, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['volume.resize', id, sizeGiB]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const v = await this.volumes.get(scope, id);
    if (sizeGiB < v.sizeGiB) throw new ApiError('bad_request', `volume ${id} is ${v.sizeGiB} GiB; shrinking is refused (it would cut off data): ask for ${v.sizeGiB} GiB or more`, { field: 'sizeGiB' });
    if (v.phase !== 'ready') throw new ApiError('invalid_state', `volume ${id} is ${v.phase}; a ready volume can be resized`, { field: 'id' });
    await this.volumes.requireIdle(v);
    const inst = v.instanceId ? await this.repos.instances.getAny(v.instanceId) : undefined;
    if (inst && inst.phase !== 'running' && inst.phase !== 'stopped') {
      throw new ApiError('invalid_state', `instance ${inst.name} is ${inst.phase}; its disks are resized while it runs or is stopped`, { field: 'id', phase: inst.phase });
    }
    if (inst?.phase === 'running' && inst.hostId) await requireHostCapability(this.repos, inst.hostId, 'disk-resize-online', 'grow disks of running instances');
    const growth = sizeGiB - v.sizeGiB;
    return this.request(scope, v, 'volume.resize', { sizeGiB, fromGiB: v.sizeGiB }, idempotencyKey, hash, `resize of volume ${v.name || id} to ${sizeGiB} GiB requested`, v.instanceId, async (trx) => {
      // Growing a data volume counts against the account's volume GiB quota (root disks do not: docs/accounting.md).
      if (growth > 0 && v.kind === 'data') await enforceQuota(trx, v.accountId, { volumeGiB: growth });
      if (growth > 0 && !(await this.repos.hosts.reservePool(trx, v.poolId, growth))) {
        throw new ApiError('no_capacity', `the volume's pool has no room for ${growth} GiB more`, { field: 'sizeGiB', resource: 'pool', poolId: v.poolId });
      }
    });
  }

  /** Put the volume back to a snapshot of it; its instance (if any) must be stopped. */
  async restore(scope: Scope, id: string, snapshotId: string, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['volume.restore', id, snapshotId]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const v = await this.volumes.get(scope, id);
    const snap = await this.repos.snapshots.get(scope, snapshotId);
    if (!snap || snap.desired === 'deleted') throw new ApiError('not_found', `snapshot ${snapshotId} not found`, { field: 'snapshotId' });
    if (snap.volumeId !== v.id) throw new ApiError('bad_request', `snapshot ${snapshotId} is of volume ${snap.volumeId}, not ${id}; make a new volume from it instead`, { field: 'snapshotId' });
    if (snap.phase !== 'ready') throw new ApiError('invalid_state', `snapshot ${snapshotId} is ${snap.phase}`, { field: 'snapshotId' });
    if (v.phase !== 'ready') throw new ApiError('invalid_state', `volume ${id} is ${v.phase}; a ready volume can be restored`, { field: 'id' });
    await this.volumes.requireIdle(v);
    const inst = v.instanceId ? await this.repos.instances.getAny(v.instanceId) : undefined;
    if (inst && inst.phase !== 'stopped') {
      throw new ApiError('invalid_state', `instance ${inst.name} is ${inst.phase}; stop it before restoring its disk ${id}`, { field: 'id', phase: inst.phase });
    }
    return this.request(scope, v, 'volume.restore', { snapshotId }, idempotencyKey, hash, `restore of volume ${v.name || id} to snapshot ${snap.name} requested`, v.instanceId);
  }
}
