/**
 * A lock file that serialises builds into one output directory, across processes
 * and within one. A lock whose owner process is gone is taken over.
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export interface BuildLockOptions {
  timeoutMs?: number;
  pollMs?: number;
}

/** True if `pid` runs and is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch {
    return false; // vanished: the next attempt will tell
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (Number.isInteger(pid) && pid > 0) return !isProcessAlive(pid);
  // Created but not yet written, or garbage: stale once it is old.
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > 10_000;
  } catch {
    return false;
  }
}

/** Waits for the lock and returns its release function. */
export async function acquireBuildLock(lockPath: string, opts: BuildLockOptions = {}): Promise<() => Promise<void>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await unlink(lockPath).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStale(lockPath)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lockPath}`);
    await delay(opts.pollMs ?? 200);
  }
}
