/**
 * Image bases in an RBD pool: `kumo-base.<imageVersionId>` with a protected snapshot
 * `@kumo-base` that root disks are layered clones of. Imported once per pool, across all hosts:
 * one host holds the lock image (exclusive create), imports under a work name, snapshots and
 * protects it, then renames it into place (rename of an existing name fails, so a base that
 * another host published is never replaced). Waiters find the published base.
 */
import { convertWithProgress, createOnce, inspectSourceImage, type BaseImage, type QemuImg, type StorageLogger } from '@kumo/storage';
import { setTimeout as delay } from 'node:timers/promises';
import { errnoOf, rbdErrno, type RbdCli } from './rbd-cli.ts';
import { rbdImageLock } from './rbd-lock.ts';
import { baseSnapshot, rbdNames } from './rbd-names.ts';

export interface BaseLockTimes { staleMs: number; refreshMs: number; pollMs: number; maxWaitMs: number }

let workSeq = 0;

export interface RbdBase { name: string; sizeBytes: number }

export class RbdBaseStore {
  private readonly running = new Map<string, Promise<RbdBase>>();
  /** Bases seen in the pool by this process (they are never replaced, so they can be remembered). */
  private readonly known = new Map<string, RbdBase>();

  constructor(
    private readonly cli: RbdCli,
    private readonly qemuImg: QemuImg,
    private readonly lockTimes: BaseLockTimes,
    private readonly log: StorageLogger,
    /** How long removing an image waits for a dead client's watch to expire. */
    private readonly watchWaitMs = 90_000,
  ) {}

  /** The base image (name and size), importing it first if the pool lacks it. */
  async ensure(base: BaseImage, signal?: AbortSignal): Promise<RbdBase> {
    const known = this.known.get(base.imageVersionId);
    if (known) return known;
    const name = rbdNames.base(base.imageVersionId);
    let p = this.running.get(name);
    if (!p) {
      p = createOnce(() => this.exists(name), () => this.importBase(base, name, signal), {
        ...this.lockTimes, lock: rbdImageLock(this.cli, rbdNames.baseLock(base.imageVersionId)), log: this.log,
      }).then(async () => {
        const snap = (await this.cli.json<Array<{ name: string; size: number }>>(['snap', 'ls', name])).find((s) => s.name === baseSnapshot);
        if (!snap) throw new Error(`base ${name} has no snapshot @${baseSnapshot}`);
        const found = { name, sizeBytes: snap.size };
        this.known.set(base.imageVersionId, found);
        return found;
      }).finally(() => this.running.delete(name));
      this.running.set(name, p);
    }
    return p;
  }

  /** Forget a remembered base (it was removed from the pool by someone else). */
  forget(imageVersionId: string): void {
    this.known.delete(imageVersionId);
  }

  private async exists(name: string): Promise<boolean> {
    return (await this.cli.orMissing(this.cli.run(['info', name]))) !== null;
  }

  private async importBase(base: BaseImage, name: string, signal?: AbortSignal): Promise<void> {
    const started = performance.now();
    const virtualSize = await inspectSourceImage(this.qemuImg, base);
    const work = rbdNames.baseWork(base.imageVersionId, ++workSeq);
    try {
      await convertWithProgress(['-f', base.format, '-O', 'raw', base.path, this.cli.uri(work)], { qemuImg: this.qemuImg.binary, totalBytes: virtualSize, signal });
      await this.cli.run(['snap', 'create', `${work}@${baseSnapshot}`]);
      await this.cli.run(['snap', 'protect', `${work}@${baseSnapshot}`]);
      try {
        await this.cli.run(['rename', work, name]);
      } catch (err) {
        if (errnoOf(err) !== rbdErrno.EEXIST) throw err;
        this.log.info({ base: name }, 'another host published this base first');
      }
    } finally {
      await this.removeImage(work);
    }
    this.log.info({ base: name, pool: this.cli.target.pool, ms: Math.round(performance.now() - started) }, 'base image imported');
  }

  /** Removes an image and its snapshots (unprotecting them); a missing image is fine. */
  async removeImage(image: string): Promise<void> {
    const snaps = await this.cli.orMissing(this.cli.json<Array<{ name: string; protected?: string }>>(['snap', 'ls', image]));
    if (snaps === null) return;
    for (const s of snaps) {
      if (s.protected === 'true') await this.cli.orMissing(this.cli.run(['snap', 'unprotect', `${image}@${s.name}`]));
      await this.cli.orMissing(this.cli.run(['snap', 'rm', `${image}@${s.name}`]));
    }
    // A client killed while it had the image open (qemu-img of an agent killed -9) keeps its watch
    // until the OSD times it out (30 s by default); rbd refuses to remove a watched image (EBUSY).
    const until = Date.now() + this.watchWaitMs;
    for (;;) {
      try {
        await this.cli.run(['rm', image]);
        return;
      } catch (err) {
        const errno = errnoOf(err);
        if (errno === rbdErrno.ENOENT) return;
        if (errno !== rbdErrno.EBUSY || Date.now() > until) throw err;
        this.log.info({ image, pool: this.cli.target.pool }, 'waiting for a dead client\'s watch on the image to expire');
        await delay(1000);
      }
    }
  }
}
