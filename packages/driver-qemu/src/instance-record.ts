/**
 * What the QEMU driver keeps per instance, in memory and in the instance directory.
 */
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingEndpoint, InstanceSpec } from '@kumo/core';
import type { CgroupPlan } from './cgroup-plan.ts';
import type { ConsoleLog } from './console-log.ts';
import type { InstancePaths } from './instance-paths.ts';
import type { LiveQemu } from './live-qemu.ts';

/** Power of an instance whose QEMU is not running, kept in status.json. */
export interface RestingStatus {
  power: 'stopped' | 'saved' | 'crashed';
  reason?: string;
  statePath?: string;
}

export interface InstanceRecord {
  id: string;
  paths: InstancePaths;
  spec: InstanceSpec | undefined;
  live: LiveQemu | undefined;
  /** Resolves when the live process is gone and cleaned up. */
  liveDone: Promise<void> | undefined;
  rest: RestingStatus;
  /** console.log + console.log.1: kept across stops and agent restarts, removed by destroy. */
  console: ConsoleLog;
  cgroup: CgroupPlan | null;
  /** Set by driver calls that end the process themselves; the exit then emits no event. */
  exitIntent: RestingStatus | undefined;
  /** > 0 while a driver call runs: QMP power events it causes are not reported. */
  quiet: number;
  /** A copy waiting for (or taken over from) a migration stream (migration/incoming.ts). */
  incoming?: IncomingState;
  /** The source copy after its migration completed: paused with reason 'migrated' until resumed or destroyed. */
  migratedAway?: boolean;
}

/** The target side of a live migration on this host. */
export interface IncomingState {
  endpoint: IncomingEndpoint;
  /** waiting: QEMU listens; running: it took over; failed: the stream failed (reason). */
  state: 'waiting' | 'running' | 'failed';
  reason?: string;
  /** Settles once the copy took over (resolves) or failed (rejects). */
  settled: Promise<void>;
}

/** Written owner-only: spec.json carries the config drive's user data. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp`;
  await rm(tmp, { force: true }); // a leftover would keep its old mode
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Files that belong to a running QEMU only (the console log and qemu.log stay). */
export async function removeRuntimeFiles(paths: InstancePaths): Promise<void> {
  await Promise.all(
    [paths.pidFile, paths.qmpSocket, paths.serialSocket, paths.saveSocket, paths.restoreSocket, paths.vncSocket, paths.guestAgentSocket, paths.incomingFile, paths.migratedAwayFile].map((p) => rm(p, { force: true })),
  );
}
