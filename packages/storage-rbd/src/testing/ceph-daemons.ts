/**
 * Processes of a test cluster: start a daemon (it forks into the background and writes its pid
 * file), stop it by that pid, and wait until it is gone. A process that exited but was not reaped
 * yet (a zombie: PID 1 here reaps only every ~1.5 s, PLATFORM.md §6) counts as gone.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Sync, so that exit handlers (where nothing async runs) can use it.
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

/** Runs a program to its end with stdio detached (daemons fork and keep no pipe of ours open). */
export function runDetached(file: string, args: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${file} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

export async function readPidFile(path: string): Promise<number | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  const pid = text === null ? NaN : Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 1 ? pid : null;
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL and wait again. */
export async function stopProcess(pid: number, graceMs = 5_000): Promise<void> {
  if (!isProcessAlive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!isProcessAlive(pid)) return;
    await delay(50);
  }
  try { process.kill(pid, 'SIGKILL'); } catch { return; }
  for (let i = 0; i < 100 && isProcessAlive(pid); i++) await delay(50);
}

/** The same, synchronously, for process exit handlers: SIGKILL at once. */
export function killProcessNow(pid: number): void {
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
}
