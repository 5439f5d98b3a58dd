import { join } from 'node:path';
import { DriverError } from '@kumo/core';
import type { AgentMethods, AgentResults, ImageRef, PoolRef } from '@kumo/api';
import { DirectoryPool, type BaseImage, type CachedImage, type ImageCache } from '@kumo/storage';
import type { VolumeManager } from './volume-manager.ts';

/** Root disks in directory pools, made from images in this host's verified image cache. */
export class QemuVolumeManager implements VolumeManager {
  private readonly byPath = new Map<string, DirectoryPool>();

  constructor(private readonly cache: ImageCache, private readonly localPoolPath: string) {}

  private pool(path: string): DirectoryPool {
    let p = this.byPath.get(path);
    if (!p) { p = new DirectoryPool({ path, kind: path === this.localPoolPath ? 'local' : 'shared' }); this.byPath.set(path, p); }
    return p;
  }

  /** The base a root disk is cloned from: the image itself, or the root file system of a kernel bundle. */
  static baseOf(cached: CachedImage): BaseImage | null {
    if (cached.format === 'kernel-initrd') return cached.rootDisk ? { imageVersionId: cached.imageVersionId, path: cached.rootDisk, format: 'qcow2' } : null;
    if (cached.format === 'iso') return null;
    return { imageVersionId: cached.imageVersionId, path: cached.path, format: cached.format };
  }

  async ensureImage(ref: ImageRef): Promise<CachedImage> {
    return this.cache.ensure(ref);
  }

  /** The directory of a directory pool, however the server named it. */
  private static directoryOf(req: { poolPath?: string | undefined; pool?: PoolRef | undefined }): string {
    if (req.pool?.kind === 'directory') return req.pool.path;
    if (req.poolPath !== undefined) return req.poolPath;
    throw new DriverError(`pool kind ${req.pool?.kind ?? 'unknown'} is not supported on this host`, 'unsupported');
  }

  async create(req: AgentMethods['volume.create']): Promise<{ path: string }> {
    const base = req.image ? QemuVolumeManager.baseOf(await this.cache.ensure(req.image)) : null;
    const v = await this.pool(QemuVolumeManager.directoryOf(req)).createRootDisk({ volumeId: req.volumeId, sizeGiB: req.sizeGiB, provisioning: req.provisioning, base });
    return { path: v.path };
  }

  async delete(req: AgentMethods['volume.delete']): Promise<void> {
    await this.pool(QemuVolumeManager.directoryOf(req)).delete(req.volumeId);
  }

  async collectGarbage(req: AgentMethods['pool.collectGarbage']): Promise<AgentResults['pool.collectGarbage']> {
    return this.pool(QemuVolumeManager.directoryOf(req)).garbageCollectBases(req.keepImageVersionIds, req.graceMs === undefined ? {} : { graceMs: req.graceMs });
  }

  async pools() {
    const u = await this.pool(this.localPoolPath).usage();
    return [{ path: this.localPoolPath, capacityGiB: Math.floor(u.capacityGiB), usedGiB: u.usedGiB }];
  }

  static defaultLocalPool(stateDir: string): string { return join(stateDir, 'pools', 'local'); }
}
