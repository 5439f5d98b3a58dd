/**
 * "Create this file once" across processes and hosts sharing a directory (NFS in production).
 *
 * One creator holds `<lockPath>` (made with O_EXCL, which NFSv3+ does atomically) and refreshes
 * its mtime while it works; the others poll until the result exists. A lock whose mtime has not
 * changed for `staleMs` — measured on the waiter's own clock, so clock skew between hosts does
 * not matter — is taken to belong to a dead creator and is removed.
 *
 * The lock only avoids duplicated work; correctness must not depend on it: the creator should
 * publish its result with an atomic create-if-absent (link()), so even two creators racing
 * after a wrongly broken lock both end with one complete file.
 *
 * The lock itself is pluggable (CreateOnceLock): a file made with O_EXCL for directory pools, an
 * RBD image made with exclusive create for Ceph pools (packages/storage-rbd).
 */
import { hostname } from 'node:os';
import { open, stat, utimes, type FileHandle } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { unlinkIfExists } from './durable-fs.ts';
import type { StorageLogger } from './storage-logger.ts';

/** A lock object that only one creator can make at a time. */
export interface CreateOnceLock {
  /** Make the lock; false when it exists already (someone else holds it). */
  tryAcquire(): Promise<boolean>;
  /** Show that the holder is alive (changes stamp()). */
  refresh(): Promise<void>;
  /** A value that changes at every refresh; null when there is no lock. */
  stamp(): Promise<string | null>;
  /** Remove the lock (also to break a stale one). Removing a missing lock is fine. */
  release(): Promise<void>;
  /** For log lines. */
  readonly name: string;
}

/** The lock as a file created with O_EXCL; its mtime is the stamp. */
export function fileLock(lockPath: string): CreateOnceLock {
  return {
    name: lockPath,
    async tryAcquire() {
      let fh: FileHandle;
      try {
        fh = await open(lockPath, 'wx', 0o644);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
      try {
        await fh.writeFile(`${JSON.stringify({ host: hostname(), pid: process.pid, at: new Date().toISOString() })}\n`);
      } finally {
        await fh.close();
      }
      return true;
    },
    async refresh() {
      const now = new Date();
      await utimes(lockPath, now, now);
    },
    stamp: () => stat(lockPath).then((s) => String(s.mtimeMs), () => null),
    release: async () => { await unlinkIfExists(lockPath); },
  };
}

export interface CreateOnceOptions {
  /** A lock file path (fileLock), or any other lock. */
  lockPath?: string;
  lock?: CreateOnceLock;
  /** A lock not refreshed for this long is broken. */
  staleMs: number;
  /** How often the holder refreshes the lock. */
  refreshMs: number;
  /** How often a waiter looks again. */
  pollMs: number;
  /** Give up waiting for another creator after this long. */
  maxWaitMs: number;
  log: StorageLogger;
}

export type CreateOnceOutcome = 'created' | 'existed';

export async function createOnce(
  isDone: () => Promise<boolean>,
  create: () => Promise<void>,
  opts: CreateOnceOptions,
): Promise<CreateOnceOutcome> {
  if (opts.lock === undefined && opts.lockPath === undefined) throw new Error('createOnce needs a lock or a lockPath');
  const lock = opts.lock ?? fileLock(opts.lockPath ?? '');
  const started = performance.now();
  let seen: { stamp: string; since: number } | null = null;
  for (;;) {
    if (await isDone()) return 'existed';
    if (await lock.tryAcquire()) {
      const refresher = setInterval(() => { lock.refresh().catch(() => undefined); }, opts.refreshMs);
      try {
        if (await isDone()) return 'existed';
        await create();
        return 'created';
      } finally {
        clearInterval(refresher);
        await lock.release();
      }
    }
    // Someone else holds the lock: wait for them, or break the lock if they stopped refreshing it.
    const stamp = await lock.stamp();
    if (stamp === null) continue;
    const now = performance.now();
    if (seen === null || seen.stamp !== stamp) {
      if (seen === null) opts.log.info({ lock: lock.name }, 'waiting for another creator');
      seen = { stamp, since: now };
    } else if (now - seen.since >= opts.staleMs) {
      opts.log.warn({ lock: lock.name, staleMs: opts.staleMs }, 'breaking stale lock');
      await lock.release();
      seen = null;
      continue;
    }
    if (now - started > opts.maxWaitMs) throw new Error(`gave up after ${opts.maxWaitMs} ms waiting for lock ${lock.name}`);
    await delay(opts.pollMs);
  }
}
