/**
 * One daemon of a router namespace, kept running with the desired config:
 * ensureDaemon() writes the config file, starts the daemon when it is not running
 * (as identified by its pid file, namespace and command line), and when the config
 * or the command line changed since it was last (re)started — recorded in
 * `<name>.applied` next to the config — restarts it or signals it to reload.
 * Crash-safe: a config written but never loaded still differs from the marker.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { HostShell } from '../host-shell.ts';
import {
  findDaemon, findStrayDaemon, pollUntil, processGone, readPidFile, spawnDetached, stopProcess, type DaemonIdentity,
} from '../daemon-process.ts';
import { readFileIfExists, sha256, writeFileAtomic, writeIfChanged } from '../state-files.ts';

export interface DaemonSpec {
  name: string;
  netns: string;
  /** Directory of the router's files. */
  dir: string;
  configFile: string;
  configText: string;
  pidFile: string;
  /** Program and arguments (run with `ip netns exec <netns>`). */
  argv: string[];
  /**
   * 'daemonizes': the program forks into the background itself and writes pidFile
   * before its first process exits (dnsmasq, haproxy -D). 'foreground': the agent
   * detaches it and waits for it to write pidFile (the metadata service).
   */
  start: 'daemonizes' | 'foreground';
  /** What a config change needs: a restart, a signal (after an optional check command), or nothing (the daemon watches the file). */
  onConfigChange: 'restart' | 'none' | { signal: NodeJS.Signals; check?: string[] };
  startTimeoutMs?: number;
}

export type DaemonOutcome = 'unchanged' | 'started' | 'restarted' | 'reloaded';

interface AppliedMarker {
  argv: string;
  config: string;
}

function identity(d: Pick<DaemonSpec, 'pidFile' | 'netns' | 'configFile'>): DaemonIdentity {
  return { pidFile: d.pidFile, netns: d.netns, marker: d.configFile };
}

function markerFile(d: Pick<DaemonSpec, 'dir' | 'name'>): string {
  return join(d.dir, `${d.name}.applied`);
}

function readMarker(d: DaemonSpec): AppliedMarker | undefined {
  const text = readFileIfExists(markerFile(d));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as AppliedMarker;
  } catch {
    return undefined;
  }
}

function desiredMarker(d: DaemonSpec): AppliedMarker {
  return { argv: sha256(d.argv.join('\0')), config: d.onConfigChange === 'none' ? '' : sha256(d.configText) };
}

async function startDaemon(shell: HostShell, d: DaemonSpec): Promise<void> {
  rmSync(d.pidFile, { force: true });
  const argv = ['ip', 'netns', 'exec', d.netns, ...d.argv];
  const timeoutMs = d.startTimeoutMs ?? 10_000;
  if (d.start === 'daemonizes') {
    await shell.run(argv, { timeoutMs });
    const ok = await pollUntil(() => findDaemon(identity(d)) !== undefined, timeoutMs);
    if (!ok) throw new Error(`${d.name} in ${d.netns} exited right after starting (no live pid in ${d.pidFile})`);
    return;
  }
  await spawnDetached(argv, {
    logFile: join(d.dir, `${d.name}.log`),
    cwd: d.dir,
    timeoutMs,
    what: `${d.name} in ${d.netns}`,
    ready: (pid) => readPidFile(d.pidFile) === pid,
  });
}

/** Makes the daemon run with the desired config and command line. */
export async function ensureDaemon(shell: HostShell, d: DaemonSpec): Promise<DaemonOutcome> {
  writeIfChanged(d.configFile, d.configText);
  const want = desiredMarker(d);
  const have = readMarker(d);
  const pid = findDaemon(identity(d));
  let outcome: DaemonOutcome;
  if (pid === undefined) {
    const stray = findStrayDaemon(identity(d));
    if (stray !== undefined) await stopProcess(stray);
    await startDaemon(shell, d);
    outcome = 'started';
  } else if (have !== undefined && have.argv === want.argv && have.config === want.config) {
    return 'unchanged';
  } else if (have?.argv !== want.argv || d.onConfigChange === 'restart') {
    await stopProcess(pid);
    await startDaemon(shell, d);
    outcome = 'restarted';
  } else if (d.onConfigChange === 'none') {
    outcome = 'reloaded';
  } else {
    if (d.onConfigChange.check !== undefined) await shell.run(d.onConfigChange.check);
    process.kill(pid, d.onConfigChange.signal);
    outcome = 'reloaded';
  }
  writeFileAtomic(markerFile(d), JSON.stringify(want));
  return outcome;
}

/** Stops the daemon if it runs and forgets its marker; returns whether it ran. */
export async function stopDaemon(d: Pick<DaemonSpec, 'name' | 'dir' | 'pidFile' | 'netns' | 'configFile'>): Promise<boolean> {
  const pid = findDaemon(identity(d));
  rmSync(markerFile(d), { force: true });
  if (pid === undefined) return false;
  await stopProcess(pid);
  return processGone(pid);
}
