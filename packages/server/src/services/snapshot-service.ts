import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { newId, type Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { OperationRow, Repos, Scope, SnapshotRow } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import type { Notifier } from './notifier.ts';
import { requestHash, type OperationService } from './operation-service.ts';
import type { VolumeService } from './volume-service.ts';
import { enforceQuota } from './quota-service.ts';

/** Where the image store keeps a snapshot's file (the controller records it once the upload is complete). */
export function snapshotFilePath(storeDir: string, snapshotId: string): string {
  return join(storeDir, snapshotId);
}

/** The path agents upload a snapshot's file to, and download it from. */
export const snapshotFileUrl = (snapshotId: string): string => `/api/v1/snapshots/${snapshotId}/file`;

/**
 * Snapshots: the API creates the row (pending) with its operation, or asks for its deletion; the
 * controller (snapshot-reconciler.ts) does the work. Files of image-store snapshots arrive from the
 * host that took them (receiveFile) and are served to hosts that make volumes from them.
 */
export class SnapshotService {
  constructor(
    private readonly repos: Repos,
    private readonly volumes: VolumeService,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    readonly storeDir: string,
    private readonly maxBytes: number,
  ) {
    mkdirSync(storeDir, { recursive: true });
  }

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  private publish(s: SnapshotRow): void { this.notifier.publish({ kind: 'snapshot', id: s.id, accountId: s.accountId }); }

  async get(scope: Scope, id: string): Promise<SnapshotRow> {
    const row = await this.repos.snapshots.get(scope, id);
    if (!row || row.desired === 'deleted') throw new ApiError('not_found', `snapshot ${id} not found`, { field: 'id' });
    return row;
  }

  async create(scope: Scope, volumeId: string, name: string, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['snapshot.create', volumeId, name]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const v = await this.volumes.get(scope, volumeId, 'volumeId');
    if (v.phase !== 'ready') throw new ApiError('invalid_state', `volume ${volumeId} is ${v.phase}; a ready volume can be snapshotted`, { field: 'volumeId' });
    await this.volumes.requireIdle(v);
    const pool = await this.repos.pools.get(scope, v.poolId);
    const id = newId('snapshot', this.clock.now());
    const now = this.iso();
    const row: SnapshotRow = {
      id, accountId: v.accountId, volumeId: v.id, name, sizeGiB: v.sizeGiB, sizeBytes: 0,
      location: pool?.kind === 'rbd' ? 'pool' : 'image-store', poolId: v.poolId, format: pool?.kind === 'rbd' ? 'raw' : 'qcow2',
      storagePath: null, sha256: null, desired: 'ready', phase: 'pending', task: null, errorReason: null, version: 1, createdAt: now, updatedAt: now,
    };
    const op = this.ops.newRow({ accountId: v.accountId, kind: 'snapshot.create', resourceType: 'snapshot', resourceId: id, params: { volumeId, name }, idempotencyKey, requestHash: hash });
    await this.repos.db.transaction().execute(async (trx) => {
      await enforceQuota(trx, v.accountId, { snapshots: 1 });
      await this.repos.snapshots.insert(row, trx);
      await this.repos.operations.insert(op, trx);
      await this.events.record({ accountId: v.accountId, resourceType: 'snapshot', resourceId: id, kind: 'snapshot.created', message: `snapshot ${name} of volume ${v.name || v.id} requested` }, trx);
    });
    this.publish(row);
    return op;
  }

  async delete(scope: Scope, id: string, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['snapshot.delete', id]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const s = await this.get(scope, id);
    const clones = await this.repos.snapshots.volumesMadeFrom(id);
    if (s.location === 'pool' && clones.length > 0) {
      throw new ApiError('in_use', `snapshot ${id} is the parent of volume ${clones.join(', ')} (a clone in the pool); delete those first`, { field: 'id', volumeIds: clones });
    }
    const captures = await this.repos.imageVersions.capturesOfSnapshot(id);
    if (captures.length > 0) {
      throw new ApiError('in_use', `snapshot ${id} is being captured into image version ${captures.map((c) => c.id).join(', ')}; wait for the capture to end`, { field: 'id', imageVersionIds: captures.map((c) => c.id) });
    }
    if ((await this.repos.operations.activeFor(id)).length > 0 || s.task !== null) {
      throw new ApiError('invalid_state', `snapshot ${id} is busy (${s.task ?? 'an operation is unfinished'}); wait for it to end`, { field: 'id' });
    }
    const op = this.ops.newRow({ accountId: s.accountId, kind: 'snapshot.delete', resourceType: 'snapshot', resourceId: id, idempotencyKey, requestHash: hash });
    await this.repos.db.transaction().execute(async (trx) => {
      if (!(await this.repos.snapshots.requestDelete(scope, id, s.version, this.iso(), trx))) throw new ApiError('conflict', 'the snapshot changed while this request was handled; retry');
      await this.repos.operations.insert(op, trx);
    });
    this.publish(s);
    return op;
  }

  /**
   * A host's upload of a snapshot being taken: streamed to a temporary file while hashed, size-limited,
   * kept only if the SHA-256 matches `x-kumo-sha256`. The same upload again replaces the file (a host
   * that restarted the job sends it again). The row stays pending until the controller records it.
   */
  async receiveFile(id: string, sha256: string | undefined, body: Readable | undefined): Promise<{ sizeBytes: number; sha256: string }> {
    const s = await this.repos.snapshots.getAny(id);
    if (!s || s.desired === 'deleted' || s.location !== 'image-store') throw new ApiError('not_found', `snapshot ${id} is not waiting for a file`, { field: 'id' });
    if (s.phase === 'ready') throw new ApiError('invalid_state', `snapshot ${id} is complete; its file cannot change`, { field: 'id' });
    if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) throw new ApiError('bad_request', 'send the SHA-256 of the body in the x-kumo-sha256 header', { field: 'x-kumo-sha256' });
    if (!body || typeof body.pipe !== 'function') throw new ApiError('bad_request', 'send the file as the request body (application/octet-stream)', { field: 'body' });
    const final = snapshotFilePath(this.storeDir, id);
    const partial = `${final}.${newId('operation')}.partial`;
    const hash = createHash('sha256');
    const max = this.maxBytes;
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > max) { cb(new ApiError('payload_too_large', `snapshot file larger than the limit of ${max} bytes`)); return; }
        hash.update(chunk); cb(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(partial, { flags: 'wx' }));
      const got = hash.digest('hex');
      if (got !== sha256) throw new ApiError('bad_request', `checksum mismatch: the body has sha256 ${got}, not ${sha256}`, { field: 'x-kumo-sha256' });
      renameSync(partial, final);
    } catch (e) {
      rmSync(partial, { force: true });
      if (e instanceof ApiError) throw e;
      throw new ApiError('bad_request', `upload failed: ${(e as Error).message}`, { field: 'body' });
    }
    return { sizeBytes: size, sha256 };
  }

  /** The stored file of a ready image-store snapshot (hosts download it to make a volume). */
  async file(scope: Scope, id: string): Promise<SnapshotRow & { storagePath: string; sha256: string }> {
    const s = await this.repos.snapshots.get(scope, id);
    if (!s || s.phase !== 'ready' || !s.storagePath || !s.sha256) throw new ApiError('not_found', `snapshot ${id} has no stored file`, { field: 'id' });
    return s as SnapshotRow & { storagePath: string; sha256: string };
  }
}
