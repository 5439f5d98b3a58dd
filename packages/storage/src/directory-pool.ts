/**
 * A storage pool that is a directory: `local` (on this host's disk) or `shared` (the same
 * directory mounted on every host of a cluster, NFS in production). Same code for both; the
 * shared case relies only on O_EXCL create, link() and rename(), which NFS does atomically.
 *
 * Layout:
 *   <pool>/volumes/<volumeId>            a disk: qcow2 (linked clone or blank) or sparse raw (full copy)
 *   <pool>/volumes/<volumeId>.partial    being made; renamed into place when complete
 *   <pool>/bases/<imageVersionId>.qcow2  read-only base images that linked clones point at,
 *                                        copied once per pool (raw images converted to qcow2);
 *                                        see pool-base-store.ts
 *
 * Linked clones store the backing file as a RELATIVE name (`../bases/<id>.qcow2`), so a shared
 * pool works when hosts mount it at different paths.
 *
 * Contracts:
 * - createRootDisk/createBlank: on success the volume exists complete at volumePath(id); on failure
 *   nothing new is left. Creating an existing volume of the same size returns it (whatever its
 *   provisioning); another size is a `volume-conflict`.
 * - delete: afterwards the volume does not exist; deleting a missing volume succeeds.
 * - Source images are opened with their declared format (never probed), and a qcow2 source with a
 *   backing file or an external data file is refused (it could read host files).
 */
import { mkdir, readdir, stat, statfs, truncate, writeFile } from 'node:fs/promises';
import { exportDisk } from './disk-file-export.ts';
import { convertWithProgress } from './qemu-img-convert.ts';
import type { CreateVolumeRequest, ExportTarget, PoolWorkContext, RollbackSource, StoragePool, VolumeAccess, VolumeInfo } from './storage-pool.ts';
import { join, resolve } from 'node:path';
import { fsyncDir, fsyncFile, renameDurable, unlinkIfExists } from './durable-fs.ts';
import { KeyedMutex } from './keyed-tasks.ts';
import { PoolBaseStore, type PoolBase } from './pool-base-store.ts';
import { readDiskFileInfo } from './qcow2-header.ts';
import { QemuImg } from './qemu-img.ts';
import { assertSafeId } from './safe-id.ts';
import { inspectSourceImage, type BaseImage, type VolumeFormat } from './source-image-check.ts';
import { StorageError } from './storage-error.ts';
import { silentLogger, type StorageLogger } from './storage-logger.ts';

export type { BaseImage, VolumeFormat } from './source-image-check.ts';
export type { PoolBase } from './pool-base-store.ts';

export type PoolKind = 'local' | 'shared';

const GiB = 1024 ** 3;
const maxSizeGiB = 64 * 1024;

export interface RootDiskRequest {
  volumeId: string;
  sizeGiB: number;
  /** linked: qcow2 overlay on the pool's base copy (constant time); full: sparse raw copy. */
  provisioning: 'linked' | 'full';
  /** null: a blank disk (qcow2 for linked, sparse raw for full). */
  base: BaseImage | null;
}

export interface CreatedVolume { path: string; format: VolumeFormat }

export type { PoolUsage } from './storage-pool.ts';
import type { PoolUsage } from './storage-pool.ts';

export interface DirectoryPoolOptions {
  path: string;
  kind?: PoolKind;
  qemuImg?: string;
  log?: StorageLogger;
  /** Cross-host base creation lock timings (defaults: stale after 60 s, refresh 5 s, poll 200 ms, give up after 1 h). */
  baseLock?: { staleMs?: number; refreshMs?: number; pollMs?: number; maxWaitMs?: number };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

export class DirectoryPool implements StoragePool {
  readonly backend = 'directory';
  readonly keepsSnapshots = false;
  readonly path: string;
  readonly kind: PoolKind;
  readonly volumesDir: string;
  readonly basesDir: string;
  private readonly qemuImg: QemuImg;
  private readonly log: StorageLogger;
  private readonly bases: PoolBaseStore;
  private readonly perVolume = new KeyedMutex();
  private ready: Promise<void> | null = null;

  constructor(opts: DirectoryPoolOptions) {
    this.path = resolve(opts.path);
    this.kind = opts.kind ?? 'local';
    this.volumesDir = join(this.path, 'volumes');
    this.basesDir = join(this.path, 'bases');
    this.qemuImg = new QemuImg(opts.qemuImg);
    this.log = opts.log ?? silentLogger;
    const lockTimes = { staleMs: 60_000, refreshMs: 5_000, pollMs: 200, maxWaitMs: 3_600_000, ...opts.baseLock };
    this.bases = new PoolBaseStore(this.basesDir, this.qemuImg, lockTimes, this.log, this.path);
  }

  volumePath(volumeId: string): string {
    assertSafeId('volume', volumeId);
    return join(this.volumesDir, volumeId);
  }

  basePath(imageVersionId: string): string {
    return this.bases.path(imageVersionId);
  }

  async createRootDisk(req: RootDiskRequest): Promise<CreatedVolume> {
    const path = this.volumePath(req.volumeId);
    const bytes = this.checkSize(req.sizeGiB);
    if (req.provisioning !== 'linked' && req.provisioning !== 'full') {
      throw new StorageError('bad-request', `unknown provisioning ${JSON.stringify(req.provisioning)}`);
    }
    if (req.base !== null) assertSafeId('image version', req.base.imageVersionId);
    await this.init();
    return this.perVolume.run(req.volumeId, async () => {
      const existing = await this.existingVolume(req.volumeId, path, bytes);
      if (existing) return existing;
      const started = performance.now();
      const partial = `${path}.partial`;
      await unlinkIfExists(partial);
      let format: VolumeFormat;
      try {
        format = req.base === null
          ? await this.makeBlank(partial, bytes, req.provisioning === 'linked' ? 'qcow2' : 'raw')
          : req.provisioning === 'linked'
            ? await this.makeLinkedClone(partial, bytes, req.base)
            : await this.makeFullCopy(partial, bytes, req.base);
        await fsyncFile(partial);
        await renameDurable(partial, path);
      } catch (err) {
        await unlinkIfExists(partial);
        throw err;
      }
      this.log.info({ volumeId: req.volumeId, provisioning: req.provisioning, base: req.base?.imageVersionId ?? null, sizeGiB: req.sizeGiB, ms: Math.round(performance.now() - started) }, 'volume created');
      return { path, format };
    });
  }

  /** A blank data disk (qcow2 by default; raw is sparse). */
  createBlank(volumeId: string, sizeGiB: number, format: VolumeFormat = 'qcow2'): Promise<CreatedVolume> {
    return this.createRootDisk({ volumeId, sizeGiB, provisioning: format === 'qcow2' ? 'linked' : 'full', base: null });
  }

  async delete(volumeId: string): Promise<void> {
    const path = this.volumePath(volumeId);
    await this.init();
    await this.perVolume.run(volumeId, async () => {
      const removed = await unlinkIfExists(path);
      await unlinkIfExists(`${path}.partial`);
      if (removed) {
        await fsyncDir(this.volumesDir);
        this.log.info({ volumeId }, 'volume deleted');
      }
    });
  }

  // ---- StoragePool ----

  async access(volumeId: string): Promise<VolumeAccess> {
    const info = await this.volumeInfo(volumeId);
    if (!info) throw new StorageError('not-found', `volume ${volumeId} does not exist in pool ${this.path}`);
    return { path: this.volumePath(volumeId), format: info.format };
  }

  async volumeInfo(volumeId: string): Promise<VolumeInfo | null> {
    const info = await readDiskFileInfo(this.volumePath(volumeId)).catch((err: unknown) => {
      if (errno(err) === 'ENOENT') return null;
      throw err;
    });
    return info && { sizeBytes: info.virtualSize, format: info.format };
  }

  async createVolume(req: CreateVolumeRequest): Promise<VolumeAccess> {
    const src = req.source;
    if (src.kind === 'pool-snapshot') throw new StorageError('bad-request', 'a directory pool keeps no snapshots: create the volume from the snapshot\'s image instead');
    const v = src.kind === 'blank'
      ? await this.createBlank(req.volumeId, req.sizeGiB, src.provisioning === 'full' ? 'raw' : 'qcow2')
      : await this.createRootDisk({ volumeId: req.volumeId, sizeGiB: req.sizeGiB, provisioning: src.provisioning, base: src.base });
    return { path: v.path, format: v.format };
  }

  deleteVolume(volumeId: string): Promise<void> { return this.delete(volumeId); }

  async growVolume(volumeId: string, sizeGiB: number): Promise<void> {
    const bytes = this.checkSize(sizeGiB);
    const path = this.volumePath(volumeId);
    await this.perVolume.run(volumeId, async () => {
      const info = await this.volumeInfo(volumeId);
      if (!info) throw new StorageError('not-found', `volume ${volumeId} does not exist in pool ${this.path}`);
      if (bytes < info.sizeBytes) throw new StorageError('shrink-refused', `volume ${volumeId} has ${info.sizeBytes} bytes; shrinking to ${bytes} is refused`);
      if (bytes === info.sizeBytes) return;
      if (info.format === 'qcow2') await this.qemuImg.run(['resize', '-q', '-f', 'qcow2', path, String(bytes)]);
      else await truncate(path, bytes);
      await fsyncFile(path);
      this.log.info({ volumeId, sizeGiB }, 'volume grown');
    });
  }

  createSnapshot(): Promise<void> { return Promise.reject(new StorageError('bad-request', 'a directory pool keeps no snapshots (they go to the image store)')); }
  deleteSnapshot(): Promise<void> { return Promise.reject(new StorageError('bad-request', 'a directory pool keeps no snapshots (they go to the image store)')); }
  exportSnapshot(): Promise<{ bytes: number }> { return Promise.reject(new StorageError('bad-request', 'a directory pool keeps no snapshots (they go to the image store)')); }

  /** A copy of a volume no guest writes to (a running guest's disk is copied by the driver's backup). */
  async exportVolume(volumeId: string, target: ExportTarget, ctx: PoolWorkContext = {}): Promise<{ bytes: number }> {
    const info = await this.volumeInfo(volumeId);
    if (!info) throw new StorageError('not-found', `volume ${volumeId} does not exist in pool ${this.path}`);
    return exportDisk({ spec: this.volumePath(volumeId), format: info.format, virtualSize: info.sizeBytes }, target, ctx, this.qemuImg.binary);
  }

  async rollback(volumeId: string, sizeGiB: number, source: RollbackSource, ctx: PoolWorkContext = {}): Promise<void> {
    const bytes = this.checkSize(sizeGiB);
    if (source.kind !== 'file') throw new StorageError('bad-request', 'a directory pool keeps no snapshots: roll back from the snapshot\'s file');
    const path = this.volumePath(volumeId);
    await this.perVolume.run(volumeId, async () => {
      const current = await this.volumeInfo(volumeId);
      if (!current) throw new StorageError('not-found', `volume ${volumeId} does not exist in pool ${this.path}`);
      const srcInfo = await this.qemuImg.info(source.file.path, source.file.format);
      if (srcInfo.backingFilename !== null || srcInfo.dataFile !== null) throw new StorageError('bad-image', `${source.file.path} has a backing or data file`);
      if (srcInfo.virtualSize > bytes) throw new StorageError('bad-request', `the snapshot (${srcInfo.virtualSize} bytes) is larger than ${sizeGiB} GiB`);
      const partial = `${path}.partial`;
      await unlinkIfExists(partial);
      try {
        await convertWithProgress(['-f', source.file.format, '-O', current.format, source.file.path, partial], {
          qemuImg: this.qemuImg.binary, totalBytes: srcInfo.virtualSize, signal: ctx.signal, onProgress: ctx.onProgress,
        });
        if (current.format === 'qcow2') await this.qemuImg.run(['resize', '-q', '-f', 'qcow2', partial, String(bytes)]);
        else await truncate(partial, bytes);
        await fsyncFile(partial);
        await renameDurable(partial, path);
      } catch (err) {
        await unlinkIfExists(partial);
        throw err;
      }
      this.log.info({ volumeId, from: source.file.path }, 'volume rolled back');
    });
  }

  /**
   * The pool's qcow2 copy of an image, made once per pool (shared pools: once across all hosts).
   * Touches its mtime, which tells the garbage collector it was just used.
   */
  async ensureBase(base: BaseImage): Promise<string> {
    await this.init();
    return this.bases.ensure(base);
  }

  async usage(): Promise<PoolUsage> {
    await this.init();
    const fs = await statfs(this.path);
    let used = 0;
    let provisioned = 0;
    let volumeCount = 0;
    for (const dir of [this.volumesDir, this.basesDir]) {
      for (const name of await readdir(dir)) {
        const p = join(dir, name);
        const s = await stat(p).catch(() => null);
        if (!s?.isFile()) continue;
        used += s.blocks * 512;
        if (dir === this.volumesDir && !name.endsWith('.partial')) {
          volumeCount += 1;
          provisioned += await readDiskFileInfo(p).then((i) => i.virtualSize, () => s.size);
        }
      }
    }
    return {
      capacityGiB: round3((fs.blocks * fs.bsize) / GiB),
      usedGiB: round3(used / GiB),
      freeGiB: round3((fs.bavail * fs.bsize) / GiB),
      provisionedGiB: round3(provisioned / GiB),
      volumeCount,
    };
  }

  async listBases(): Promise<PoolBase[]> {
    await this.init();
    return this.bases.list();
  }

  /**
   * Removes base copies that no volume (of any host, for a shared pool) backs onto, unless listed
   * in `keepIds` or used within `graceMs` (default 10 min; covers a clone being made right now on
   * another host). Also removes abandoned work files older than the grace time. Only files
   * inside this pool's volumes/ directory count as users.
   */
  async garbageCollectBases(keepIds: Iterable<string>, opts: { graceMs?: number } = {}): Promise<{ removed: string[]; kept: string[] }> {
    await this.init();
    return this.bases.collectGarbage(this.volumesDir, keepIds, opts.graceMs ?? 600_000);
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.volumesDir, { recursive: true, mode: 0o755 });
      await mkdir(this.basesDir, { recursive: true, mode: 0o755 });
    })();
    return this.ready;
  }

  private checkSize(sizeGiB: number): number {
    if (!Number.isInteger(sizeGiB) || sizeGiB <= 0 || sizeGiB > maxSizeGiB) {
      throw new StorageError('bad-request', `disk size must be a whole number of GiB between 1 and ${maxSizeGiB}, got ${sizeGiB}`);
    }
    return sizeGiB * GiB;
  }

  private async existingVolume(volumeId: string, path: string, bytes: number): Promise<CreatedVolume | null> {
    let info;
    try {
      info = await readDiskFileInfo(path);
    } catch (err) {
      if (errno(err) === 'ENOENT') return null;
      throw err;
    }
    if (info.virtualSize !== bytes) {
      throw new StorageError('volume-conflict', `volume ${volumeId} exists with ${info.virtualSize} bytes, asked for ${bytes}`);
    }
    return { path, format: info.format };
  }

  private checkFits(base: BaseImage, virtualSize: number, bytes: number): void {
    if (virtualSize > bytes) {
      throw new StorageError('bad-request', `a ${bytes / GiB} GiB disk is smaller than image ${base.imageVersionId} (${virtualSize} bytes)`);
    }
  }

  private async makeLinkedClone(partial: string, bytes: number, base: BaseImage): Promise<VolumeFormat> {
    const basePath = await this.bases.ensure(base);
    const baseInfo = await readDiskFileInfo(basePath);
    this.checkFits(base, baseInfo.virtualSize, bytes);
    const backing = `../bases/${base.imageVersionId}.qcow2`;
    await this.qemuImg.run(['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', backing, partial, String(bytes)]);
    return 'qcow2';
  }

  private async makeFullCopy(partial: string, bytes: number, base: BaseImage): Promise<VolumeFormat> {
    this.checkFits(base, await inspectSourceImage(this.qemuImg, base), bytes);
    await this.qemuImg.run(['convert', '-q', '-f', base.format, '-O', 'raw', base.path, partial]);
    await truncate(partial, bytes);
    return 'raw';
  }

  private async makeBlank(partial: string, bytes: number, format: VolumeFormat): Promise<VolumeFormat> {
    if (format === 'qcow2') await this.qemuImg.run(['create', '-q', '-f', 'qcow2', partial, String(bytes)]);
    else {
      await writeFile(partial, new Uint8Array());
      await truncate(partial, bytes);
    }
    return format;
  }
}
