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
 */
import { hostname } from 'node:os';
import { open, stat, utimes, type FileHandle } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { unlinkIfExists } from './durable-fs.ts';
import type { StorageLogger } from './storage-logger.ts';

export interface CreateOnceOptions {
  lockPath: string;
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
  const started = performance.now();
  let seen: { mtimeMs: number; since: number } | null = null;
  for (;;) {
    if (await isDone()) return 'existed';
    let fh: FileHandle | undefined;
    try {
      fh = await open(opts.lockPath, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fh) {
      try {
        await fh.writeFile(`${JSON.stringify({ host: hostname(), pid: process.pid, at: new Date().toISOString() })}\n`);
      } finally {
        await fh.close();
      }
      const refresher = setInterval(() => {
        const now = new Date();
        utimes(opts.lockPath, now, now).catch(() => undefined);
      }, opts.refreshMs);
      try {
        if (await isDone()) return 'existed';
        await create();
        return 'created';
      } finally {
        clearInterval(refresher);
        await unlinkIfExists(opts.lockPath);
      }
    }
    // Someone else holds the lock: wait for them, or break the lock if they stopped refreshing it.
    const s = await stat(opts.lockPath).catch(() => null);
    if (s === null) continue;
    const now = performance.now();
    if (seen === null || seen.mtimeMs !== s.mtimeMs) {
      if (seen === null) opts.log.info({ lock: opts.lockPath }, 'waiting for another creator');
      seen = { mtimeMs: s.mtimeMs, since: now };
    } else if (now - seen.since >= opts.staleMs) {
      opts.log.warn({ lock: opts.lockPath, staleMs: opts.staleMs }, 'breaking stale lock');
      await unlinkIfExists(opts.lockPath);
      seen = null;
      continue;
    }
    if (now - started > opts.maxWaitMs) throw new Error(`gave up after ${opts.maxWaitMs} ms waiting for lock ${opts.lockPath}`);
    await delay(opts.pollMs);
  }
}
