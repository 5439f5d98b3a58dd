import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { newId, type Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { ImageVersionRow, Repos, Scope } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import type { ImageService } from './image-service.ts';

export interface ImageUpload { version: string; format: ImageVersionRow['format']; sha256: string; cmdline?: string | undefined }

/**
 * The image store (secondary storage) kept by the server in its data directory: uploads stream to a
 * temporary file while hashing, are size-limited, and become a ready version only if the SHA-256
 * matches; agents download versions with their host token.
 */
export class ImageStore {
  constructor(
    private readonly repos: Repos, private readonly images: ImageService, private readonly events: EventLog,
    private readonly clock: Clock, private readonly dir: string, private readonly maxImageBytes: number,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  async upload(scope: Scope, imageId: string, u: ImageUpload, body: Readable | undefined): Promise<ImageVersionRow> {
    const image = await this.images.getForWrite(scope, imageId);
    const taken = () => new ApiError('conflict', `image ${image.name} already has a version ${u.version}`, { field: 'version' });
    if (await this.repos.imageVersions.findByVersion(image.id, u.version)) throw taken();
    if (!body || typeof body.pipe !== 'function') throw new ApiError('bad_request', 'send the image as the request body with content-type application/octet-stream');
    const versionId = newId('imageVersion');
    const final = join(this.dir, versionId);
    const size = await this.receive(body, final, u.sha256);
    const row: ImageVersionRow = {
      id: versionId, imageId: image.id, version: u.version, format: u.format, sizeBytes: size, sha256: u.sha256, state: 'ready',
      cmdline: u.cmdline ?? '', storagePath: final, createdAt: new Date(this.clock.now()).toISOString(),
    };
    try {
      await this.repos.imageVersions.insert(row);
      await this.repos.imageVersions.setDefault(image.id, row.id); // the newest version is the default (rollback moves it back)
    } catch (e) {
      rmSync(final, { force: true });
      if (/unique|duplicate/i.test(String(e))) throw taken();
      throw e;
    }
    await this.events.record({ accountId: image.accountId, resourceType: 'image', resourceId: image.id, kind: 'image.version.uploaded', message: `version ${u.version} of ${image.name} uploaded (${size} bytes)` });
    return row;
  }

  /**
   * Stream `body` to `final` (through a temporary file, size-limited, hashed); refused unless its
   * SHA-256 is `sha256`. Returns the size. Nothing is left behind on failure.
   */
  private async receive(body: Readable, final: string, sha256: string): Promise<number> {
    const partial = `${final}.partial`;
    const hash = createHash('sha256');
    const max = this.maxImageBytes;
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > max) { cb(new ApiError('payload_too_large', `image larger than the limit of ${max} bytes`)); return; }
        hash.update(chunk); cb(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(partial, { flags: 'w' }));
      const got = hash.digest('hex');
      if (got !== sha256) throw new ApiError('bad_request', `checksum mismatch: the body has sha256 ${got}, not ${sha256} (truncated or corrupt upload)`, { field: 'sha256' });
      if (size === 0) throw new ApiError('bad_request', 'empty image', { field: 'body' });
      renameSync(partial, final);
      return size;
    } catch (e) {
      rmSync(partial, { force: true });
      if (e instanceof ApiError) throw e;
      throw new ApiError('bad_request', `upload failed: ${(e as Error).message}`);
    }
  }

  /**
   * An agent uploads the file of a version being captured (volume.snapshot to the image store). The
   * version stays `uploading`: the capture reconciler makes it ready once the host's job reports the
   * same size and checksum. Only the host of the instance being captured may upload; a repeated
   * upload (a retried job) replaces the file.
   */
  async receiveCapture(hostId: string, imageId: string, versionId: string, sha256: string | undefined, body: Readable | undefined): Promise<{ sizeBytes: number; sha256: string }> {
    const v = await this.repos.imageVersions.getOfImage(imageId, versionId);
    if (!v || !(v.sourceInstanceId || v.sourceSnapshotId)) throw new ApiError('not_found', `no capture of image version ${versionId}`);
    if (v.state !== 'uploading') throw new ApiError('conflict', `image version ${versionId} is ${v.state}, not being captured`);
    const inst = v.sourceInstanceId ? await this.repos.instances.getAny(v.sourceInstanceId) : undefined;
    if (inst && inst.hostId !== hostId) throw new ApiError('forbidden', `host ${hostId} does not hold the volume being captured`);
    if (v.sourceSnapshotId && !(await this.reachesSnapshotPool(hostId, v.sourceSnapshotId))) throw new ApiError('forbidden', `host ${hostId} does not reach the pool of the snapshot being captured`);
    if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) throw new ApiError('bad_request', 'send the SHA-256 of the body in the x-kumo-sha256 header', { field: 'x-kumo-sha256' });
    if (!body || typeof body.pipe !== 'function') throw new ApiError('bad_request', 'send the file as the request body with content-type application/octet-stream');
    return this.storeCapture(v, body, sha256);
  }

  /**
   * Copy a file the server holds (an image-store snapshot's) into a version being captured: through a
   * `.partial` file renamed only when its SHA-256 is `sha256`. The version stays `uploading`.
   */
  async copyIntoCapture(versionId: string, sourcePath: string, sha256: string): Promise<{ sizeBytes: number; sha256: string }> {
    const v = await this.repos.imageVersions.getAny(versionId);
    if (!v || v.state !== 'uploading') throw new ApiError('conflict', `image version ${versionId} is ${v?.state ?? 'gone'}, not being captured`);
    return this.storeCapture(v, createReadStream(sourcePath), sha256);
  }

  private async storeCapture(v: ImageVersionRow, body: Readable, sha256: string): Promise<{ sizeBytes: number; sha256: string }> {
    const versionId = v.id;
    const final = join(this.dir, versionId);
    const sizeBytes = await this.receive(body, final, sha256);
    if (!(await this.repos.imageVersions.transition(v.id, 'uploading', { storagePath: final, sizeBytes, sha256 }))) {
      rmSync(final, { force: true });
      throw new ApiError('conflict', `image version ${versionId} stopped being captured during the upload`);
    }
    return { sizeBytes, sha256 };
  }

  /** Whether a host is in the cluster of the pool that keeps a snapshot (only such a host exports it). */
  private async reachesSnapshotPool(hostId: string, snapshotId: string): Promise<boolean> {
    const snap = await this.repos.snapshots.getAny(snapshotId);
    const pool = snap ? await this.repos.db.selectFrom('pools').select(['clusterId', 'hostId']).where('id', '=', snap.poolId).executeTakeFirst() : undefined;
    const host = await this.repos.hosts.getAny(hostId);
    return !!pool && !!host && (pool.hostId ? pool.hostId === hostId : pool.clusterId === host.clusterId);
  }

  /** Remove a version's stored file and any partial upload of it. */
  removeFiles(versionId: string): void {
    const final = join(this.dir, versionId);
    rmSync(final, { force: true });
    rmSync(`${final}.partial`, { force: true });
    rmSync(`${final}.bundle`, { force: true }); // a captured disk put back into a kernel bundle
  }

  /** The stored file of a ready version. */
  async file(scope: Scope, imageId: string, versionId: string): Promise<ImageVersionRow & { storagePath: string }> {
    const image = await this.images.get(scope, imageId);
    const v = await this.repos.imageVersions.getOfImage(image.id, versionId);
    if (!v || v.state !== 'ready' || !v.storagePath) throw new ApiError('not_found', `image version ${versionId} has no stored file`);
    return v;
  }
}
