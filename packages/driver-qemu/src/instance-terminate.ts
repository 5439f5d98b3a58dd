/** Ending a QEMU the driver means to end: `quit` over QMP, then SIGKILL. */
import { DriverError } from '@kumo/core';
import type { InstancePaths } from './instance-paths.ts';
import type { InstanceRecord } from './instance-record.ts';
import type { LiveQemu } from './live-qemu.ts';
import { processArgv } from './process-watch.ts';

const QUIT_GRACE_MS = 5000;
export const KILL_WAIT_MS = 10_000;

/** Guards against pid reuse: the process must be a QEMU using this instance's QMP socket. */
export async function isOurQemu(pid: number, paths: InstancePaths): Promise<boolean> {
  const argv = await processArgv(pid);
  return argv.some((a) => a.includes(paths.qmpSocket));
}

/** quit over QMP, then SIGKILL; resolves once the process is gone and cleaned up. */
export async function terminate(rec: InstanceRecord, live: LiveQemu): Promise<void> {
  if (live.qmp) await live.qmp.execute('quit', undefined, { timeoutMs: 2000 }).catch(() => {});
  if (!(await live.waitGone(live.qmp === null ? 0 : QUIT_GRACE_MS))) {
    if (await isOurQemu(live.pid, rec.paths)) {
      try {
        process.kill(live.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (!(await live.waitGone(KILL_WAIT_MS))) {
      throw new DriverError(`QEMU pid ${live.pid} of ${rec.id} did not exit after SIGKILL`, 'host_failure');
    }
  }
  await rec.liveDone;
}
