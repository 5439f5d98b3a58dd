import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Driver, DriverCallContext, JobProgress } from '@kumo/core';
import type { AgentMethods, AgentResults, ImageRef } from '@kumo/api';
import {
  DirectoryPool, StorageError, type BaseImage, type CachedImage, type ExportTarget, type ImageCache, type NewVolumeSource, type PoolWorkContext,
} from '@kumo/storage';
import { rootfsTarFromVmDisk } from '@kumo/driver-lxc';
import { PoolRegistry } from './pool-registry.ts';
import type { SnapshotUploader } from './snapshot-upload.ts';
import type { VolumeManager } from './volume-manager.ts';

export interface QemuVolumeManagerOptions {
  /** Copies disks of running guests for snapshots (Driver.backupDisk). */
  driver?: Driver;
  /** Sends snapshot files to the server's image store. */
  uploader?: SnapshotUploader;
  /** Temp files of snapshots on their way to the image store (default: <pool>/../../tmp/snapshots). */
  workDir?: string;
}

/** Job progress of one phase of pool work. */
function progressOf(ctx: DriverCallContext | undefined, phase: string): PoolWorkContext {
  return {
    signal: ctx?.signal,
    onProgress: ctx?.onProgress && ((p) => ctx.onProgress?.({ phase, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, percent: p.bytesTotal ? Math.floor((p.bytesDone / p.bytesTotal) * 100) : 100 })),
  };
}

function throwIfCancelled(ctx: DriverCallContext | undefined, what: string): void {
  if (ctx?.signal?.aborted) throw new StorageError('cancelled', `${what} was cancelled`);
}

/**
 * Volumes on this host's pools (directory and Ceph RBD), made from images in the host's
 * verified image cache or from snapshots kept in the pool. Snapshots for the image store are
 * written to a temp file (a copy of the offline volume, or the driver's backup of a running
 * guest's disk), uploaded, and removed; the temp file is named after the snapshot, so a repeat
 * after a crash starts clean.
 */
export class QemuVolumeManager implements VolumeManager {
  readonly registry: PoolRegistry;
  private readonly workDir: string;
  private workDirReady: Promise<void> | null = null;

  constructor(private readonly cache: ImageCache, private readonly localPoolPath: string, private readonly opts: QemuVolumeManagerOptions = {}) {
    this.registry = new PoolRegistry(localPoolPath);
    this.workDir = opts.workDir ?? join(localPoolPath, '..', '..', 'tmp', 'snapshots');
  }

  /** The base a root disk is cloned from: the image itself, or the root file system of a kernel bundle. */
  static baseOf(cached: CachedImage): BaseImage | null {
    if (cached.format === 'kernel-initrd') return cached.rootDisk ? { imageVersionId: cached.imageVersionId, path: cached.rootDisk, format: 'qcow2' } : null;
    if (cached.format === 'iso' || cached.format === 'rootfs-tar') return null; // root-fs tarballs are containers' (driver-lxc), never a disk
    return { imageVersionId: cached.imageVersionId, path: cached.path, format: cached.format };
  }

  async ensureImage(ref: ImageRef): Promise<CachedImage> {
    return this.cache.ensure(ref);
  }

  async create(req: AgentMethods['volume.create'], ctx?: DriverCallContext): Promise<AgentResults['volume.create']> {
    const pool = this.registry.of(req);
    const image = req.source?.kind === 'image' ? req.source.image : req.image;
    let source: NewVolumeSource = { kind: 'blank', provisioning: req.provisioning };
    if (req.source?.kind === 'pool-snapshot') source = { kind: 'pool-snapshot', volumeId: req.source.volumeId, snapshotId: req.source.snapshotId };
    else if (image) {
      const base = QemuVolumeManager.baseOf(await this.cache.ensure(image));
      if (base) source = { kind: 'image', base, provisioning: req.provisioning };
    }
    const v = await pool.createVolume({ volumeId: req.volumeId, sizeGiB: req.sizeGiB, source }, progressOf(ctx, 'creating volume'));
    return { path: v.path };
  }

  async delete(req: AgentMethods['volume.delete']): Promise<void> {
    await this.registry.of(req).deleteVolume(req.volumeId);
  }

  async resize(req: AgentMethods['volume.resize']): Promise<void> {
    await this.registry.get(req.pool).growVolume(req.volumeId, req.sizeGiB);
  }

  async snapshot(req: AgentMethods['volume.snapshot'], ctx?: DriverCallContext): Promise<AgentResults['volume.snapshot']> {
    const pool = this.registry.get(req.pool);
    const info = await pool.volumeInfo(req.volumeId);
    if (!info) throw new StorageError('not-found', `volume ${req.volumeId} does not exist`);
    if (req.target.kind === 'pool') {
      // An RBD snapshot is crash-consistent even while the guest writes (librbd orders it with the writes).
      await pool.createSnapshot(req.volumeId, req.snapshotId);
      if (ctx?.signal?.aborted) {
        await pool.deleteSnapshot(req.volumeId, req.snapshotId);
        throwIfCancelled(ctx, `snapshot ${req.snapshotId}`);
      }
      ctx?.onProgress?.({ phase: 'snapshot taken', bytesDone: info.sizeBytes, bytesTotal: info.sizeBytes, percent: 100 });
      return { sizeBytes: info.sizeBytes, sha256: null, format: 'raw', location: 'pool' };
    }
    const uploadPath = req.target.uploadPath;
    const up = await this.viaTempFile(req.snapshotId, async (file) => {
      if (await this.guestHasItOpen(req.instanceId)) {
        const driver = this.opts.driver;
        if (!driver) throw new StorageError('bad-request', 'this host cannot copy the disk of a running guest');
        await driver.backupDisk(req.instanceId, req.volumeId, file, this.driverContext(ctx, 'copying disk'));
      } else {
        await pool.exportVolume(req.volumeId, file, progressOf(ctx, 'copying disk'));
      }
      return this.upload(uploadPath, file.path, ctx);
    });
    return { sizeBytes: up.sizeBytes, sha256: up.sha256, format: 'qcow2', location: 'image-store' };
  }

  /** KVM → LXC: the volume exported to a scratch file, its file system tarred for a container (driver-lxc), uploaded. */
  async rootfsTar(req: AgentMethods['volume.rootfsTar'], ctx?: DriverCallContext): Promise<AgentResults['volume.rootfsTar']> {
    const pool = this.registry.get(req.pool);
    if (!(await pool.volumeInfo(req.volumeId))) throw new StorageError('not-found', `volume ${req.volumeId} does not exist`);
    const up = await this.viaTempFile(`${req.volumeId}-rootfs`, async (file) => {
      await pool.exportVolume(req.volumeId, file, progressOf(ctx, 'copying disk'));
      const tar = `${file.path}.tar`;
      try {
        ctx?.onProgress?.({ phase: 'making the root-fs tarball' });
        await rootfsTarFromVmDisk({ disk: file.path, outTar: tar, workDir: this.workDir, nics: req.nics });
        return await this.upload(req.uploadPath, tar, ctx);
      } finally { await rm(tar, { force: true }); }
    });
    return { sizeBytes: up.sizeBytes, sha256: up.sha256, format: 'rootfs-tar' };
  }

  async snapshotDelete(req: AgentMethods['volume.snapshotDelete']): Promise<void> {
    await this.registry.get(req.pool).deleteSnapshot(req.volumeId, req.snapshotId);
  }

  async snapshotExport(req: AgentMethods['volume.snapshotExport'], ctx?: DriverCallContext): Promise<AgentResults['volume.snapshotExport']> {
    const pool = this.registry.get(req.pool);
    const up = await this.viaTempFile(`${req.volumeId}-${req.snapshotId}`, async (file) => {
      await pool.exportSnapshot(req.volumeId, req.snapshotId, file, progressOf(ctx, 'exporting snapshot'));
      return this.upload(req.uploadPath, file.path, ctx);
    });
    return { sizeBytes: up.sizeBytes, sha256: up.sha256, format: 'qcow2' };
  }

  async rollback(req: AgentMethods['volume.rollback'], ctx?: DriverCallContext): Promise<void> {
    const pool = this.registry.get(req.pool);
    const work = progressOf(ctx, 'rolling back');
    if (req.source.kind === 'pool-snapshot') {
      if (req.source.volumeId !== req.volumeId) throw new StorageError('bad-request', `a volume rolls back only to its own snapshots, not to one of ${req.source.volumeId}`);
      await pool.rollback(req.volumeId, req.sizeGiB, { kind: 'pool-snapshot', snapshotId: req.source.snapshotId }, work);
      return;
    }
    const base = QemuVolumeManager.baseOf(await this.cache.ensure(req.source.image));
    if (!base) throw new StorageError('bad-request', `image ${req.source.image.imageVersionId} (${req.source.image.format}) holds no disk to roll back to`);
    await pool.rollback(req.volumeId, req.sizeGiB, { kind: 'file', file: { path: base.path, format: base.format } }, work);
  }

  /**
   * Remove the pool's cached bases that no volume uses and whose image version is gone. Directory
   * pools only: an RBD pool's bases are not collected yet (docs/operators.md).
   */
  async collectGarbage(req: AgentMethods['pool.collectGarbage']): Promise<AgentResults['pool.collectGarbage']> {
    const pool = this.registry.of(req);
    if (!(pool instanceof DirectoryPool)) return { removed: [], kept: [] };
    return pool.garbageCollectBases(req.keepImageVersionIds, req.graceMs === undefined ? {} : { graceMs: req.graceMs });
  }

  async pools() {
    const u = await this.registry.local().usage();
    return [{ path: this.localPoolPath, capacityGiB: Math.floor(u.capacityGiB), usedGiB: u.usedGiB }];
  }

  static defaultLocalPool(stateDir: string): string { return join(stateDir, 'pools', 'local'); }

  private async guestHasItOpen(instanceId: string): Promise<boolean> {
    if (instanceId === '' || !this.opts.driver) return false;
    const status = await this.opts.driver.inspect(instanceId);
    return status.power === 'running' || status.power === 'paused';
  }

  /** Runs `work` with a temp qcow2 named after `key` (removed first and afterwards, whatever happens). */
  private async viaTempFile<T>(key: string, work: (file: ExportTarget) => Promise<T>): Promise<T> {
    this.workDirReady ??= (async () => {
      // Nothing runs yet in this process: whatever is here was left by an agent that was killed.
      await rm(this.workDir, { recursive: true, force: true });
      await mkdir(this.workDir, { recursive: true });
    })();
    await this.workDirReady;
    const path = join(this.workDir, `${key}.qcow2`);
    const clean = async (): Promise<void> => {
      await rm(path, { force: true });
      await rm(`${path}.partial`, { force: true });
    };
    await clean();
    try {
      // Uploaded and removed at once: no need to flush it to disk.
      return await work({ path, format: 'qcow2', durable: false });
    } finally {
      await clean();
    }
  }

  private async upload(uploadPath: string, file: string, ctx: DriverCallContext | undefined): Promise<{ sizeBytes: number; sha256: string }> {
    if (!this.opts.uploader) throw new StorageError('bad-request', 'this host has no image store to upload snapshots to');
    throwIfCancelled(ctx, 'the snapshot upload');
    return this.opts.uploader.upload(uploadPath, file, {
      signal: ctx?.signal,
      onProgress: (done, total) => ctx?.onProgress?.({ phase: 'uploading', bytesDone: done, bytesTotal: total, percent: total ? Math.floor((done / total) * 100) : 100 }),
    });
  }

  private driverContext(ctx: DriverCallContext | undefined, phase: string): DriverCallContext {
    const out: DriverCallContext = {};
    if (ctx?.signal) out.signal = ctx.signal;
    if (ctx?.onProgress) out.onProgress = (p: JobProgress) => ctx.onProgress?.({ ...p, phase });
    return out;
  }
}
