/**
 * Process liveness from /proc. A zombie counts as gone: a QEMU that outlived the
 * agent that spawned it is re-parented to PID 1, which (on this CI machine) reaps
 * only every ~1.5 s, and the process is dead as soon as it is a zombie.
 */
import { readFile } from 'node:fs/promises';

export async function isProcessAlive(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    return state !== undefined && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** NUL-separated /proc/<pid>/cmdline as an array; [] if the process is gone. */
export async function processArgv(pid: number): Promise<string[]> {
  try {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    if (args.at(-1) === '') args.pop(); // cmdline ends with a NUL
    return args;
  } catch {
    return [];
  }
}

export interface ExitWaitOptions {
  timeoutMs: number;
  /** Poll interval; short because callers are usually waiting on a stop they caused. */
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Resolves true once the process is gone, false on timeout. */
export async function waitForProcessExit(pid: number, opts: ExitWaitOptions): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 20;
  for (;;) {
    if (!(await isProcessAlive(pid))) return true;
    if (Date.now() >= deadline || opts.signal?.aborted) return false;
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(1, deadline - Date.now()))));
  }
}
