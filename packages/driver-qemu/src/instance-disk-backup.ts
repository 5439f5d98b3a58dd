/**
 * backupDisk: a crash-consistent point-in-time copy of a running guest's disk (QEMU's backup job,
 * copy-before-write: every guest write to a block not yet copied first copies the old block, so the
 * target holds the disk as it was when the job started, while the guest goes on writing).
 *
 * Steps, each undone on failure or cancel: create the target file (qemu-img create, the disk's
 * virtual size) → blockdev-add it → blockdev-backup sync=full → poll query-jobs for progress until
 * BLOCK_JOB_COMPLETED (or job-cancel on ctx.signal, then BLOCK_JOB_CANCELLED) → blockdev-del the
 * target (flushes and closes it). A failed or cancelled backup removes the target file.
 *
 * The call holds the instance's lock for the whole copy (one action per instance at a time): a stop
 * or another disk call on the instance waits until the backup ends or is cancelled. A backup does
 * not overwrite a file that is already there (it is not this call's to delete on failure).
 */
import { ProgramError, runProgram } from '@kumo/host-exec';
import { rm } from 'node:fs/promises';
import { DriverError, type DriverCallContext } from '@kumo/core';
import type { DriverContext } from './driver-context.ts';
import { diskNames } from './disk-blockdev.ts';
import { withFrozenFileSystems } from './instance-guest-agent.ts';
import { blockNodes, liveDiskCall } from './live-disk-call.ts';
import { pathExists } from './instance-record.ts';
import type { QmpClient, QmpEvent } from './qmp-client.ts';

const PROGRESS_POLL_MS = 500;

async function createTarget(binary: string, path: string, format: 'qcow2' | 'raw', sizeBytes: number): Promise<void> {
  try {
    await runProgram([binary, 'create', '-q', '-f', format, path, String(sizeBytes)], { timeoutMs: 60_000 });
  } catch (err) {
    throw new DriverError(`cannot create backup target ${path}: ${err instanceof ProgramError ? err.output || err.message : String(err)}`, 'host_failure');
  }
}

export function backupDisk(
  ctx: DriverContext, instanceId: string, volumeId: string, target: { path: string; format: 'qcow2' | 'raw' }, job?: DriverCallContext,
): Promise<{ bytes: number }> {
  return liveDiskCall(ctx, instanceId, `back up disk ${volumeId}`, async ({ rec, qmp }) => {
    if (!target.path.startsWith('/')) throw new DriverError(`backup target path must be absolute (${target.path})`, 'invalid_state');
    if (target.format !== 'qcow2' && target.format !== 'raw') throw new DriverError(`backup target format ${String(target.format)}`, 'invalid_state');
    const n = diskNames(volumeId);
    const source = (await blockNodes(qmp)).get(n.formatNode);
    if (!source) throw new DriverError(`disk ${volumeId} is not attached to ${instanceId}`, 'not_found');
    if (await pathExists(target.path)) throw new DriverError(`backup target ${target.path} exists already; Kumo does not overwrite it`, 'invalid_state');
    if (job?.signal?.aborted) throw cancelled(volumeId);
    const size = source.image['virtual-size'];
    const node = `bk-${n.formatNode.slice(2)}`.slice(0, 31);
    const jobId = `backup-${n.formatNode.slice(2)}`;
    let created = false;
    let added = false;
    try {
      await createTarget(ctx.opts.qemuImgBinary ?? 'qemu-img', target.path, target.format, size);
      created = true;
      await qmp.execute('blockdev-add', { driver: target.format, 'node-name': node, file: { driver: 'file', filename: target.path } });
      added = true;
      // The point in time is when the job starts: a guest agent that answers freezes the guest's file
      // systems around that moment only (instance-guest-agent.ts), so the copy is file-system consistent.
      const frozen = <T>(start: () => Promise<T>): Promise<T> => withFrozenFileSystems(ctx, rec, start).then((r) => r.result);
      const bytes = await runBackupJob(ctx, qmp, { jobId, device: n.formatNode, target: node, size, volumeId, frozen }, job);
      await qmp.execute('blockdev-del', { 'node-name': node });
      added = false;
      return { bytes };
    } catch (err) {
      if (added) await qmp.execute('blockdev-del', { 'node-name': node }).catch(() => {});
      if (created) await rm(target.path, { force: true });
      throw err;
    }
  });
}

function cancelled(volumeId: string): DriverError {
  return new DriverError(`backup of disk ${volumeId} was cancelled; no target file is left`, 'cancelled');
}

interface JobPlan { jobId: string; device: string; target: string; size: number; volumeId: string; frozen: <T>(start: () => Promise<T>) => Promise<T> }

/** Runs the backup job to its end; resolves with the bytes copied. */
async function runBackupJob(ctx: DriverContext, qmp: QmpClient, plan: JobPlan, job?: DriverCallContext): Promise<number> {
  let off = (): void => {};
  let offClose = (): void => {};
  let timer: unknown;
  let onAbort = (): void => {};
  let cancelRequested = false;
  let finished = false;
  const report = (done: number, total: number): void => {
    try {
      job?.onProgress?.({ phase: 'copying disk', bytesDone: done, bytesTotal: total, ...(total > 0 ? { percent: Math.floor((done / total) * 100) } : {}) });
    } catch {
      // a listener that throws is ignored
    }
  };
  try {
    const ended = new Promise<QmpEvent>((resolve) => {
      off = qmp.onEvent((e) => {
        if ((e.event === 'BLOCK_JOB_COMPLETED' || e.event === 'BLOCK_JOB_CANCELLED') && e.data['device'] === plan.jobId) resolve(e);
      });
    });
    // QEMU gone mid-copy (crashed, killed): no job event will come
    const lost = new Promise<never>((_, reject) => {
      offClose = qmp.onClose(() => reject(new DriverError(`backup of disk ${plan.volumeId} failed: the connection to QEMU closed during the copy`, 'host_failure')));
    });
    lost.catch(() => {});
    await plan.frozen(() => qmp.execute('blockdev-backup', { 'job-id': plan.jobId, device: plan.device, target: plan.target, sync: 'full' }));
    onAbort = () => {
      cancelRequested = true;
      void qmp.execute('job-cancel', { id: plan.jobId }).catch(() => {});
    };
    if (job?.signal?.aborted) onAbort(); else job?.signal?.addEventListener('abort', onAbort, { once: true });
    const poll = (): void => {
      if (finished) return;
      timer = ctx.clock.setTimeout(() => {
        void qmp.execute<Array<{ id: string; 'current-progress': number; 'total-progress': number }>>('query-jobs').then((jobs) => {
          const j = jobs.find((x) => x.id === plan.jobId);
          if (j && !cancelRequested && !finished) report(j['current-progress'], j['total-progress']);
        }, () => {}).finally(poll);
      }, PROGRESS_POLL_MS);
    };
    poll();
    const end = await Promise.race([ended, lost]);
    if (end.event === 'BLOCK_JOB_CANCELLED' || cancelRequested) throw cancelled(plan.volumeId);
    const error = end.data['error'];
    if (typeof error === 'string') throw new DriverError(`backup of disk ${plan.volumeId} failed: ${error}`, 'host_failure');
    const bytes = typeof end.data['offset'] === 'number' ? end.data['offset'] : plan.size;
    finished = true;
    report(bytes, plan.size);
    return bytes;
  } finally {
    finished = true;
    off();
    offClose();
    ctx.clock.clearTimeout(timer);
    timer = undefined;
    job?.signal?.removeEventListener('abort', onAbort);
  }
}

