/**
 * Processes the agent runs in router namespaces (dnsmasq, haproxy, the metadata
 * service) are not its children for long: they outlive the agent (close() or a
 * crash must not stop DHCP) and are found again through their pid files. A pid
 * counts as "our daemon" only when it is alive (a zombie waiting for PID 1 is dead),
 * runs in the expected network namespace and has the expected config path in its
 * command line, so a recycled pid is never mistaken for it.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { processGone } from '@kumo/netcfg';

export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export { processGone };

export function processCmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return undefined;
  }
}

/** Inode of a named network namespace (/run/netns/<name>). */
export function netnsInode(netns: string): number | undefined {
  try {
    return statSync(`/run/netns/${netns}`).ino;
  } catch {
    return undefined;
  }
}

function processNetnsInode(pid: number): number | undefined {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

export interface DaemonIdentity {
  pidFile: string;
  netns: string;
  /** A string one argument of the command line contains (the daemon's config path). */
  marker: string;
}

/** The daemon's pid when it runs as identified, else undefined. */
export function findDaemon(id: DaemonIdentity): number | undefined {
  const pid = findStrayDaemon(id);
  if (pid === undefined) return undefined;
  const ns = netnsInode(id.netns);
  return ns !== undefined && processNetnsInode(pid) === ns ? pid : undefined;
}

/**
 * The pid of the daemon's pid file when it is alive with the daemon's command line,
 * in whatever namespace: after a router namespace was deleted by hand its daemons
 * live on in the detached namespace and must be stopped before new ones start.
 */
export function findStrayDaemon(id: DaemonIdentity): number | undefined {
  const pid = readPidFile(id.pidFile);
  if (pid === undefined || processGone(pid)) return undefined;
  return processCmdline(pid)?.some((a) => a.includes(id.marker)) === true ? pid : undefined;
}

/** Polls `condition` every 25 ms until it holds; false on timeout. */
export async function pollUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() >= deadline) return false;
    await delay(25);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(pid: number, graceMs = 5000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await pollUntil(() => processGone(pid), graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  if (!(await pollUntil(() => processGone(pid), 5000))) throw new Error(`process ${pid} does not exit after SIGKILL`);
}

/**
 * Starts a long-running program in its own session with output to `logFile`, not
 * tied to the agent: the agent may exit and the program keeps running. Resolves
 * with its pid once `ready(pid)` holds; rejects (after killing it) when it exits
 * first or `timeoutMs` passes.
 */
export async function spawnDetached(argv: readonly string[], options: { logFile: string; cwd: string; ready: (pid: number) => boolean; timeoutMs: number; what: string }): Promise<number> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty argv');
  const fd = openSync(options.logFile, 'a');
  let exited: string | undefined;
  let pid: number | undefined;
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], cwd: options.cwd });
    child.on('error', (e) => {
      exited = e.message;
    });
    child.on('exit', (code, signal) => {
      exited = `exit ${String(code ?? signal)}`;
    });
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(fd);
  }
  if (pid === undefined) throw new Error(`cannot start ${options.what}: ${exited ?? 'no pid'}`);
  const started = pid;
  const ok = await pollUntil(() => exited !== undefined || options.ready(started), options.timeoutMs);
  if (ok && exited === undefined) return started;
  if (exited === undefined) await stopProcess(started, 1000);
  const log = (() => {
    try {
      return readFileSync(options.logFile, 'utf8').slice(-2000);
    } catch {
      return '';
    }
  })();
  throw new Error(`${options.what} did not start (${exited ?? `not ready after ${options.timeoutMs} ms`}): ${log.trim()}`);
}
