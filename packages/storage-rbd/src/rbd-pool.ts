/**
 * A Ceph RBD pool as a StoragePool (contracts in @kumo/storage storage-pool.ts), through the
 * `rbd` CLI (every call with a deadline) and qemu-img's rbd driver for bulk copies.
 *
 * - Root disks are layered clones of the protected snapshot of the image's base (imported once
 *   per pool, rbd-base-store.ts): constant time in the image's size. Blank volumes have exactly
 *   the size asked. Every new volume is made as `<id>.partial` and renamed into place.
 * - Snapshots are RBD snapshots, protected when a volume is cloned from them. A volume deleted
 *   while it has snapshots is renamed `<id>.deleted` and removed with its last snapshot.
 * - Rollback to a pool snapshot is `rbd snap rollback`; rollback from a file writes into the
 *   volume after taking `@kumo-pre-rollback`, which undoes a failed write and is dropped at the end.
 * Image names: rbd-names.ts.
 */
import { KeyedMutex } from '@kumo/core';
import {
  QemuImg, StorageError, exportDisk, convertWithProgress, inspectSourceImage, silentLogger,
  type CreateVolumeRequest, type DiskFile, type ExportTarget, type PoolUsage, type PoolWorkContext, type RollbackSource,
  type StorageLogger, type StoragePool, type VolumeAccess, type VolumeInfo,
} from '@kumo/storage';
import { RbdBaseStore, type BaseLockTimes } from './rbd-base-store.ts';
import { RbdCli, errnoOf, rbdErrno, type RbdTarget } from './rbd-cli.ts';
import { baseSnapshot, preRollbackSnapshot, rbdNames } from './rbd-names.ts';
import { assertRbdId, checkSizeGiB } from './rbd-checks.ts';
import { readPoolUsage } from './rbd-usage.ts';

export interface RbdPoolOptions extends RbdTarget {
  qemuImg?: string;
  log?: StorageLogger;
  /** Deadline of each rbd call (default 120 s). */
  callTimeoutMs?: number;
  baseLock?: Partial<BaseLockTimes>;
}

interface RbdSnap { name: string; size: number; protected?: string }

const GiB = 1024 ** 3;

export class RbdPool implements StoragePool {
  readonly backend = 'rbd';
  readonly keepsSnapshots = true;
  readonly cli: RbdCli;
  private readonly qemuImg: QemuImg;
  private readonly log: StorageLogger;
  private readonly bases: RbdBaseStore;
  private readonly perVolume = new KeyedMutex();

  constructor(opts: RbdPoolOptions) {
    this.cli = new RbdCli({ pool: opts.pool, user: opts.user, cephConf: opts.cephConf }, opts.callTimeoutMs);
    this.qemuImg = new QemuImg(opts.qemuImg);
    this.log = opts.log ?? silentLogger;
    const lockTimes = { staleMs: 60_000, refreshMs: 5_000, pollMs: 200, maxWaitMs: 3_600_000, ...opts.baseLock };
    this.bases = new RbdBaseStore(this.cli, this.qemuImg, lockTimes, this.log);
  }

  get pool(): string { return this.cli.target.pool; }

  async access(volumeId: string): Promise<VolumeAccess> {
    assertRbdId('volume', volumeId);
    const t = this.cli.target;
    return { path: `rbd:${t.pool}/${volumeId}`, format: 'raw', rbd: { pool: t.pool, image: rbdNames.volume(volumeId), user: t.user, cephConf: t.cephConf } };
  }

  async volumeInfo(volumeId: string): Promise<VolumeInfo | null> {
    assertRbdId('volume', volumeId);
    const info = await this.cli.orMissing(this.cli.json<{ size: number }>(['info', rbdNames.volume(volumeId)]));
    return info && { sizeBytes: info.size, format: 'raw' };
  }

  async createVolume(req: CreateVolumeRequest, ctx: PoolWorkContext = {}): Promise<VolumeAccess> {
    assertRbdId('volume', req.volumeId);
    const bytes = checkSizeGiB(req.sizeGiB);
    const src = req.source;
    if (src.kind === 'image') assertRbdId('image version', src.base.imageVersionId);
    if (src.kind === 'pool-snapshot') { assertRbdId('volume', src.volumeId); assertRbdId('snapshot', src.snapshotId); }
    return this.perVolume.run(req.volumeId, async () => {
      // The happy path is few rbd calls (each is a process and a cluster round trip): clone or
      // create into <id>.partial, grow, rename. A left-over partial (a killed agent) shows as
      // EEXIST and is removed; an existing volume shows at the rename.
      const started = performance.now();
      const partial = rbdNames.partial(req.volumeId);
      try {
        try {
          await this.makeVolume(partial, req, bytes, ctx);
        } catch (err) {
          if (errnoOf(err) !== rbdErrno.EEXIST) throw err;
          await this.bases.removeImage(partial);
          await this.makeVolume(partial, req, bytes, ctx);
        }
        if (ctx.signal?.aborted) throw new StorageError('cancelled', `creating volume ${req.volumeId} was cancelled`);
        await this.cli.run(['rename', partial, rbdNames.volume(req.volumeId)]);
      } catch (err) {
        await this.bases.removeImage(partial).catch(() => undefined);
        if (errnoOf(err) !== rbdErrno.EEXIST) throw err;
        const existing = await this.volumeInfo(req.volumeId);
        if (!existing) throw err;
        if (existing.sizeBytes !== bytes) throw new StorageError('volume-conflict', `volume ${req.volumeId} exists with ${existing.sizeBytes} bytes, asked for ${bytes}`);
        return this.access(req.volumeId);
      }
      this.log.info({ volumeId: req.volumeId, pool: this.pool, source: src.kind, sizeGiB: req.sizeGiB, ms: Math.round(performance.now() - started) }, 'volume created');
      return this.access(req.volumeId);
    });
  }

  /** Makes the volume's contents under the name `partial`. */
  private async makeVolume(partial: string, req: CreateVolumeRequest, bytes: number, ctx: PoolWorkContext): Promise<void> {
    const src = req.source;
    if (src.kind === 'blank') {
      await this.cli.run(['create', '--size', `${req.sizeGiB}G`, partial]);
    } else if (src.kind === 'image' && src.provisioning === 'linked') {
      const base = await this.bases.ensure(src.base, ctx.signal);
      if (base.sizeBytes > bytes) throw new StorageError('bad-request', `a ${req.sizeGiB} GiB disk is smaller than image ${src.base.imageVersionId} (${base.sizeBytes} bytes)`);
      try {
        await this.cli.run(['clone', `${this.pool}/${base.name}@${baseSnapshot}`, `${this.pool}/${partial}`]);
      } catch (err) {
        if (errnoOf(err) === rbdErrno.ENOENT) this.bases.forget(src.base.imageVersionId); // removed behind our back: import again next time
        throw err;
      }
      if (bytes > base.sizeBytes) await this.cli.run(['resize', '--size', `${req.sizeGiB}G`, partial]);
    } else if (src.kind === 'image') {
      const virtualSize = await inspectSourceImage(this.qemuImg, src.base);
      if (virtualSize > bytes) throw new StorageError('bad-request', `a ${req.sizeGiB} GiB disk is smaller than image ${src.base.imageVersionId} (${virtualSize} bytes)`);
      await this.bases.removeImage(partial); // qemu-img does not report an existing image as EEXIST
      await convertWithProgress(['-f', src.base.format, '-O', 'raw', src.base.path, this.cli.uri(partial)], {
        qemuImg: this.qemuImg.binary, totalBytes: virtualSize, signal: ctx.signal, onProgress: ctx.onProgress,
      });
      await this.resizeTo(partial, bytes);
    } else {
      const parent = await this.locate(src.volumeId);
      if (parent === null) throw new StorageError('not-found', `volume ${src.volumeId} does not exist in pool ${this.pool}`);
      await this.protect(parent, src.snapshotId);
      await this.cloneInto(parent, src.snapshotId, partial, bytes, `snapshot ${src.snapshotId}`);
    }
  }

  async deleteVolume(volumeId: string): Promise<void> {
    assertRbdId('volume', volumeId);
    await this.perVolume.run(volumeId, async () => {
      await this.bases.removeImage(rbdNames.partial(volumeId));
      const image = rbdNames.volume(volumeId);
      const snaps = await this.snapshots(image);
      if (snaps === null) return;
      for (const s of snaps.filter((x) => rbdNames.isInternalSnapshot(x.name))) await this.cli.orMissing(this.cli.run(['snap', 'rm', `${image}@${s.name}`]));
      if (snaps.some((s) => !rbdNames.isInternalSnapshot(s.name))) {
        await this.cli.run(['rename', image, rbdNames.hidden(volumeId)]);
        this.log.info({ volumeId, pool: this.pool }, 'volume hidden until its last snapshot is deleted');
      } else {
        await this.cli.orMissing(this.cli.run(['rm', image]));
        this.log.info({ volumeId, pool: this.pool }, 'volume deleted');
      }
    });
  }

  async growVolume(volumeId: string, sizeGiB: number): Promise<void> {
    const bytes = checkSizeGiB(sizeGiB);
    await this.perVolume.run(volumeId, async () => {
      const info = await this.volumeInfo(volumeId);
      if (!info) throw new StorageError('not-found', `volume ${volumeId} does not exist in pool ${this.pool}`);
      if (bytes < info.sizeBytes) throw new StorageError('shrink-refused', `volume ${volumeId} has ${info.sizeBytes} bytes; shrinking to ${bytes} is refused`);
      if (bytes > info.sizeBytes) await this.cli.run(['resize', '--size', `${sizeGiB}G`, rbdNames.volume(volumeId)]);
    });
  }

  async createSnapshot(volumeId: string, snapshotId: string): Promise<void> {
    assertRbdId('volume', volumeId);
    assertRbdId('snapshot', snapshotId);
    if (rbdNames.isInternalSnapshot(snapshotId)) throw new StorageError('bad-request', `snapshot ids starting with kumo- are reserved: ${snapshotId}`);
    await this.perVolume.run(volumeId, async () => {
      try {
        await this.cli.run(['snap', 'create', `${rbdNames.volume(volumeId)}@${snapshotId}`]);
      } catch (err) {
        if (errnoOf(err) === rbdErrno.EEXIST) return; // made before (a repeated call, or one that was killed after it)
        if (errnoOf(err) === rbdErrno.ENOENT) throw new StorageError('not-found', `volume ${volumeId} does not exist in pool ${this.pool}`);
        throw err;
      }
      this.log.info({ volumeId, snapshotId, pool: this.pool }, 'snapshot created');
    });
  }

  async deleteSnapshot(volumeId: string, snapshotId: string): Promise<void> {
    assertRbdId('volume', volumeId);
    assertRbdId('snapshot', snapshotId);
    await this.perVolume.run(volumeId, async () => {
      const image = await this.locate(volumeId);
      if (image === null) return;
      const snaps = (await this.snapshots(image)) ?? [];
      const snap = snaps.find((s) => s.name === snapshotId);
      if (snap) {
        if (snap.protected === 'true') {
          try {
            await this.cli.run(['snap', 'unprotect', `${image}@${snapshotId}`]);
          } catch (err) {
            if (errnoOf(err) === rbdErrno.EBUSY) throw new StorageError('in-use', `snapshot ${snapshotId} of volume ${volumeId} has volumes cloned from it`);
            throw err;
          }
        }
        await this.cli.orMissing(this.cli.run(['snap', 'rm', `${image}@${snapshotId}`]));
        this.log.info({ volumeId, snapshotId, pool: this.pool }, 'snapshot deleted');
      }
      const left = snaps.filter((s) => s.name !== snapshotId && !rbdNames.isInternalSnapshot(s.name));
      if (image === rbdNames.hidden(volumeId) && left.length === 0) {
        await this.bases.removeImage(image);
        this.log.info({ volumeId, pool: this.pool }, 'deleted volume removed with its last snapshot');
      }
    });
  }

  async exportVolume(volumeId: string, target: ExportTarget, ctx: PoolWorkContext = {}): Promise<{ bytes: number }> {
    const info = await this.volumeInfo(volumeId);
    if (!info) throw new StorageError('not-found', `volume ${volumeId} does not exist in pool ${this.pool}`);
    return exportDisk({ spec: this.cli.uri(rbdNames.volume(volumeId)), format: 'raw', virtualSize: info.sizeBytes }, target, ctx, this.qemuImg.binary);
  }

  async exportSnapshot(volumeId: string, snapshotId: string, target: ExportTarget, ctx: PoolWorkContext = {}): Promise<{ bytes: number }> {
    assertRbdId('snapshot', snapshotId);
    const image = await this.locate(volumeId);
    const snap = image === null ? undefined : (await this.snapshots(image))?.find((s) => s.name === snapshotId);
    if (image === null || !snap) throw new StorageError('not-found', `snapshot ${snapshotId} of volume ${volumeId} does not exist in pool ${this.pool}`);
    return exportDisk({ spec: this.cli.uri(image, snapshotId), format: 'raw', virtualSize: snap.size }, target, ctx, this.qemuImg.binary);
  }

  async rollback(volumeId: string, sizeGiB: number, source: RollbackSource, ctx: PoolWorkContext = {}): Promise<void> {
    const bytes = checkSizeGiB(sizeGiB);
    const image = rbdNames.volume(volumeId);
    await this.perVolume.run(volumeId, async () => {
      const snaps = await this.snapshots(image);
      if (snaps === null) throw new StorageError('not-found', `volume ${volumeId} does not exist in pool ${this.pool}`);
      if (source.kind === 'pool-snapshot') {
        if (!snaps.some((s) => s.name === source.snapshotId)) throw new StorageError('not-found', `snapshot ${source.snapshotId} of volume ${volumeId} does not exist`);
        // Not atomic in RBD, but repeatable: a rollback cut short ends when it is asked again.
        await this.cli.run(['snap', 'rollback', `${image}@${source.snapshotId}`], ctx.signal);
        await this.resizeTo(image, bytes, true);
        this.log.info({ volumeId, snapshotId: source.snapshotId, pool: this.pool }, 'volume rolled back');
        return;
      }
      await this.rollbackFromFile(image, bytes, source.file, snaps, ctx);
      this.log.info({ volumeId, from: source.file.path, pool: this.pool }, 'volume rolled back');
    });
  }

  usage(): Promise<PoolUsage> {
    return readPoolUsage(this.cli);
  }

  /** Writes a file into the volume; `@kumo-pre-rollback` (kept from a crashed earlier try) undoes a failure. */
  private async rollbackFromFile(image: string, bytes: number, file: DiskFile, snaps: RbdSnap[], ctx: PoolWorkContext): Promise<void> {
    const virtualSize = await inspectSourceImage(this.qemuImg, { imageVersionId: 'rollback-source', path: file.path, format: file.format });
    if (virtualSize > bytes) throw new StorageError('bad-request', `the snapshot (${virtualSize} bytes) is larger than ${bytes / GiB} GiB`);
    const undo = `${image}@${preRollbackSnapshot}`;
    if (!snaps.some((s) => s.name === preRollbackSnapshot)) await this.cli.run(['snap', 'create', undo]);
    try {
      await this.resizeTo(image, bytes, true);
      await convertWithProgress(['-n', '-f', file.format, '-O', 'raw', file.path, this.cli.uri(image)], {
        qemuImg: this.qemuImg.binary, totalBytes: virtualSize, signal: ctx.signal, onProgress: ctx.onProgress,
      });
    } catch (err) {
      await this.cli.run(['snap', 'rollback', undo]);
      await this.cli.run(['snap', 'rm', undo]);
      throw err;
    }
    await this.cli.run(['snap', 'rm', undo]);
  }

  /** A layered clone of parent@snap named `child`, grown to `bytes`. */
  private async cloneInto(parent: string, snap: string, child: string, bytes: number, what: string): Promise<void> {
    const snapSize = (await this.snapshots(parent))?.find((s) => s.name === snap)?.size;
    if (snapSize === undefined) throw new StorageError('not-found', `${what} does not exist in pool ${this.pool}`);
    if (snapSize > bytes) throw new StorageError('bad-request', `a ${bytes / GiB} GiB disk is smaller than ${what} (${snapSize} bytes)`);
    await this.cli.run(['clone', `${this.pool}/${parent}@${snap}`, `${this.pool}/${child}`]);
    if (bytes > snapSize) await this.resizeTo(child, bytes);
  }

  private async protect(image: string, snap: string): Promise<void> {
    const s = (await this.snapshots(image))?.find((x) => x.name === snap);
    if (!s) throw new StorageError('not-found', `snapshot ${snap} does not exist in pool ${this.pool}`);
    if (s.protected === 'true') return;
    try {
      await this.cli.run(['snap', 'protect', `${image}@${snap}`]);
    } catch (err) {
      if (errnoOf(err) !== rbdErrno.EBUSY) throw err; // EBUSY: protected meanwhile
    }
  }

  private async resizeTo(image: string, bytes: number, allowShrink = false): Promise<void> {
    const info = await this.cli.json<{ size: number }>(['info', image]);
    if (info.size === bytes) return; // rbd refuses a resize to the same size
    await this.cli.run(['resize', '--size', `${bytes / (1024 * 1024)}M`, ...(allowShrink ? ['--allow-shrink'] : []), image]);
  }

  private snapshots(image: string): Promise<RbdSnap[] | null> {
    return this.cli.orMissing(this.cli.json<RbdSnap[]>(['snap', 'ls', image]));
  }

  /** The image of a volume: live, or hidden after deletion (kept for its snapshots). */
  private async locate(volumeId: string): Promise<string | null> {
    for (const image of [rbdNames.volume(volumeId), rbdNames.hidden(volumeId)]) {
      if (await this.cli.orMissing(this.cli.run(['info', image])) !== null) return image;
    }
    return null;
  }
}
