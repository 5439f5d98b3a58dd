/**
 * The `bases/` directory of a pool: read-only qcow2 copies of images that linked clones back
 * onto, made once per pool — once across all hosts for a shared pool (see create-once-lock).
 *
 *   bases/<imageVersionId>.qcow2                        a base (mode 0444)
 *   bases/<id>.qcow2.lock                               a host is making it
 *   bases/<id>.qcow2.<host>.<pid>.<n>.partial           its work file
 */
import { hostname } from 'node:os';
import { chmod, constants, copyFile, link, readdir, rename, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createOnce } from './create-once-lock.ts';
import { fsyncDir, fsyncFile, unlinkIfExists } from './durable-fs.ts';
import { SingleFlight } from './keyed-tasks.ts';
import { readDiskFileInfo } from './qcow2-header.ts';
import type { QemuImg } from './qemu-img.ts';
import { assertSafeId } from './safe-id.ts';
import { inspectSourceImage, type BaseImage } from './source-image-check.ts';
import type { StorageLogger } from './storage-logger.ts';

export interface PoolBase { imageVersionId: string; path: string; allocatedBytes: number; mtime: Date }

export interface BaseLockTimes { staleMs: number; refreshMs: number; pollMs: number; maxWaitMs: number }

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

let workFileSeq = 0;

/**
 * Puts a complete file at `target` unless one is there already. link() is an atomic
 * create-if-absent (also on NFS), so a base another host published is never replaced; on file
 * systems without hard links, rename() (which may replace an identical copy) is the fallback.
 */
async function publishOnce(tmp: string, target: string): Promise<void> {
  try {
    await link(tmp, target);
  } catch (err) {
    const code = errno(err);
    if (code === 'EEXIST') return;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    if (await stat(target).then(() => true, () => false)) return;
    await rename(tmp, target);
  }
}

export class PoolBaseStore {
  private readonly copies = new SingleFlight<string>();

  constructor(
    readonly dir: string,
    private readonly qemuImg: QemuImg,
    private readonly lockTimes: BaseLockTimes,
    private readonly log: StorageLogger,
    private readonly poolPath: string,
  ) {}

  path(imageVersionId: string): string {
    assertSafeId('image version', imageVersionId);
    return join(this.dir, `${imageVersionId}.qcow2`);
  }

  /** The base for this image, copying it first if the pool lacks it. Touches its mtime (see collectGarbage). */
  async ensure(base: BaseImage): Promise<string> {
    const target = this.path(base.imageVersionId);
    await this.copies.run(base.imageVersionId, () => createOnce(
      () => stat(target).then(() => true, () => false),
      () => this.copy(base, target),
      { ...this.lockTimes, lockPath: `${target}.lock`, log: this.log },
    ));
    const now = new Date();
    await utimes(target, now, now);
    return target;
  }

  async list(): Promise<PoolBase[]> {
    const out: PoolBase[] = [];
    for (const name of (await readdir(this.dir)).sort()) {
      if (!name.endsWith('.qcow2')) continue;
      const s = await stat(join(this.dir, name)).catch(() => null);
      if (!s?.isFile()) continue;
      out.push({ imageVersionId: name.slice(0, -'.qcow2'.length), path: join(this.dir, name), allocatedBytes: s.blocks * 512, mtime: s.mtime });
    }
    return out;
  }

  /**
   * Removes bases no file in `volumesDir` backs onto, unless listed in `keepIds`, being made
   * (locked), or used within `graceMs` (which covers a clone being made right now on another host).
   * Also removes work files older than `graceMs`.
   */
  async collectGarbage(volumesDir: string, keepIds: Iterable<string>, graceMs: number): Promise<{ removed: string[]; kept: string[] }> {
    const keep = new Set(keepIds);
    const used = new Set<string>();
    for (const name of await readdir(volumesDir)) {
      const info = await readDiskFileInfo(join(volumesDir, name)).catch(() => null);
      if (info?.backingFile) used.add(resolve(volumesDir, info.backingFile));
    }
    const removed: string[] = [];
    const kept: string[] = [];
    const now = Date.now();
    for (const name of (await readdir(this.dir)).sort()) {
      const p = join(this.dir, name);
      const s = await stat(p).catch(() => null);
      if (!s?.isFile()) continue;
      const recent = now - s.mtimeMs < graceMs;
      if (name.endsWith('.partial')) {
        if (!recent) await unlinkIfExists(p);
        continue;
      }
      if (!name.endsWith('.qcow2')) continue;
      const id = name.slice(0, -'.qcow2'.length);
      const locked = await stat(`${p}.lock`).then(() => true, () => false);
      if (keep.has(id) || used.has(p) || recent || locked) {
        kept.push(id);
        continue;
      }
      await unlinkIfExists(p);
      removed.push(id);
      this.log.info({ imageVersionId: id, pool: this.poolPath }, 'base image removed');
    }
    if (removed.length > 0) await fsyncDir(this.dir);
    return { removed, kept };
  }

  private async copy(base: BaseImage, target: string): Promise<void> {
    const started = performance.now();
    await inspectSourceImage(this.qemuImg, base);
    const tmp = `${target}.${hostname()}.${process.pid}.${++workFileSeq}.partial`;
    try {
      if (base.format === 'qcow2') await copyFile(base.path, tmp, constants.COPYFILE_FICLONE);
      else await this.qemuImg.run(['convert', '-q', '-f', 'raw', '-O', 'qcow2', base.path, tmp]);
      await chmod(tmp, 0o444);
      await fsyncFile(tmp);
      await publishOnce(tmp, target);
      await fsyncDir(this.dir);
    } finally {
      await unlinkIfExists(tmp);
    }
    this.log.info({ imageVersionId: base.imageVersionId, pool: this.poolPath, ms: Math.round(performance.now() - started) }, 'base image copied');
  }
}
