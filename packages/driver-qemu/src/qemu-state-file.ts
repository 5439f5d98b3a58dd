/**
 * Save a guest's state to a file and load it back, through QEMU's migration stream.
 *
 * QEMU 7.2 has no `file:` migration URI (added in 8.2: "Parameter 'uri' expects a
 * valid migration protocol"). `exec:cat > FILE` works but is unsafe: when the
 * migration ends QEMU closes the pipe and, if `cat` has not exited yet, sends it
 * SIGTERM and SIGKILL 10 ms later (io/channel-command.c), which can truncate the
 * file. So the driver streams the state itself over a unix socket:
 *   save:    the driver listens on save.sock, QEMU `migrate unix:save.sock`, the
 *            driver writes FILE.partial, fsyncs it and renames it to FILE.
 *   restore: QEMU started with `-incoming defer`, `migrate-incoming unix:restore.sock`
 *            makes QEMU listen, the driver connects and streams FILE into it.
 * Both sides wait for QEMU's MIGRATION event (status completed / failed).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { DriverError, type DriverCallContext } from '@kumo/core';
import type { QmpClient } from './qmp-client.ts';

const MIGRATION_EVENTS = { capabilities: [{ capability: 'events', state: true }] };

/** Resolves when QEMU reports the migration completed; rejects on failed/cancelled or a lost QMP connection. */
export function waitForMigration(qmp: QmpClient, timeoutMs: number): { done: Promise<void>; cancel: () => void } {
  let cancel = (): void => {};
  const done = new Promise<void>((resolve, reject) => {
    const finish = (err?: Error): void => {
      cancel();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`migration did not finish within ${timeoutMs} ms`)), timeoutMs);
    const offEvent = qmp.onEvent((e) => {
      if (e.event !== 'MIGRATION') return;
      const status = e.data['status'];
      if (status === 'completed') finish();
      else if (status === 'failed' || status === 'cancelled') {
        qmp.execute<{ 'error-desc'?: string }>('query-migrate', undefined, { timeoutMs: 2000 }).then(
          (r) => finish(new Error(`migration ${status}: ${r['error-desc'] ?? 'no detail from QEMU'}`)),
          () => finish(new Error(`migration ${status}`)),
        );
      }
    });
    const offClose = qmp.onClose((err) => finish(new Error(`QEMU went away during migration (${err.message})`)));
    cancel = () => {
      clearTimeout(timer);
      offEvent();
      offClose();
    };
  });
  return { done, cancel };
}

export interface SaveOptions {
  /** Unix socket path the driver listens on (inside the instance directory). */
  socketPath: string;
  statePath: string;
  timeoutMs: number;
  /** Bytes per second; default unlimited. */
  bandwidthBytesPerSec?: number;
  /** Cancel (migrate_cancel; the partial file is removed) and progress from query-migrate. */
  job?: DriverCallContext;
  /** How often progress is read from QEMU. Default 250 ms. */
  progressIntervalMs?: number;
}

interface MigrateInfo { status?: string; ram?: { transferred?: number; remaining?: number; total?: number } }

/** Reads query-migrate while a migration runs and reports RAM progress. */
function reportMigrationProgress(qmp: QmpClient, job: DriverCallContext | undefined, intervalMs: number): () => void {
  const onProgress = job?.onProgress;
  if (!onProgress) return () => undefined;
  const timer = setInterval(() => {
    qmp.execute<MigrateInfo>('query-migrate', undefined, { timeoutMs: 2000 }).then((info) => {
      const ram = info.ram;
      if (!ram || !ram.total) return;
      const done = Math.max(0, ram.total - (ram.remaining ?? ram.total));
      onProgress({ phase: 'saving memory', bytesDone: done, bytesTotal: ram.total, percent: Math.min(100, (done / ram.total) * 100), detail: `${ram.transferred ?? 0} bytes written` });
    }, () => undefined);
  }, intervalMs);
  return () => clearInterval(timer);
}

/** Stream the (paused) guest's state into statePath. The guest is left in 'postmigrate'. */
export async function saveGuestState(qmp: QmpClient, opts: SaveOptions): Promise<void> {
  const partial = `${opts.statePath}.partial`;
  await rm(opts.socketPath, { force: true });
  const server = createServer();
  let conn: Socket | undefined;
  const received = new Promise<void>((resolve, reject) => {
    server.once('connection', (sock) => {
      conn = sock;
      server.close();
      pipeline(sock, createWriteStream(partial)).then(resolve, reject);
    });
  });
  received.catch(() => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.socketPath, () => resolve());
  });
  const migration = waitForMigration(qmp, opts.timeoutMs);
  migration.done.catch(() => {});
  try {
    await qmp.execute('migrate-set-capabilities', MIGRATION_EVENTS);
    // the guest is paused: one pass; throttled only when the operator asks for it
    await qmp.execute('migrate-set-parameters', { 'max-bandwidth': opts.bandwidthBytesPerSec ?? 64 * 1024 * 1024 * 1024 });
    const signal = opts.job?.signal;
    if (signal?.aborted) throw new DriverError('save cancelled before it began', 'cancelled');
    await qmp.execute('migrate', { uri: `unix:${opts.socketPath}` });
    const stopProgress = reportMigrationProgress(qmp, opts.job, opts.progressIntervalMs ?? 250);
    const onAbort = () => { qmp.execute('migrate_cancel').catch(() => undefined); };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.all([migration.done, received]);
    } catch (err) {
      if (signal?.aborted) throw new DriverError('save cancelled; the state file was discarded', 'cancelled');
      throw err;
    } finally {
      stopProgress();
      signal?.removeEventListener('abort', onAbort);
    }
    const fh = await open(partial, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(partial, opts.statePath);
  } catch (err) {
    migration.cancel();
    conn?.destroy();
    await rm(partial, { force: true });
    throw err;
  } finally {
    server.close();
    await rm(opts.socketPath, { force: true });
  }
}

export interface LoadOptions {
  /** Unix socket QEMU will listen on. */
  socketPath: string;
  statePath: string;
  timeoutMs: number;
}

/** Feed statePath into a QEMU started with `-incoming defer`. Afterwards the guest is paused. */
export async function loadGuestState(qmp: QmpClient, opts: LoadOptions): Promise<void> {
  await qmp.execute('migrate-set-capabilities', MIGRATION_EVENTS);
  const migration = waitForMigration(qmp, opts.timeoutMs);
  migration.done.catch(() => {});
  let sock: Socket | undefined;
  try {
    await qmp.execute('migrate-incoming', { uri: `unix:${opts.socketPath}` });
    sock = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ path: opts.socketPath });
      s.once('error', reject);
      s.once('connect', () => resolve(s));
    });
    const sent = pipeline(createReadStream(opts.statePath), sock);
    sent.catch(() => {});
    await Promise.all([migration.done, sent]);
  } catch (err) {
    migration.cancel();
    sock?.destroy();
    throw err;
  } finally {
    await rm(opts.socketPath, { force: true });
  }
}
