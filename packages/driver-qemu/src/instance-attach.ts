/**
 * A live QEMU inside its record: QMP events and console output are turned into
 * driver events, the console log is kept bounded, and once the process is gone its
 * cgroup and runtime files are released and the reason is recorded and reported.
 */
import type { DriverEvent } from '@kumo/core';
import { errorMessage, type DriverContext } from './driver-context.ts';
import { pathExists, removeRuntimeFiles, writeJsonAtomic, type InstanceRecord, type RestingStatus } from './instance-record.ts';
import type { LiveQemu, LiveQemuHooks } from './live-qemu.ts';
import { readLogTail } from './qemu-launch.ts';
import { powerChangeFromEvent } from './qemu-runstate.ts';
import type { QmpEvent } from './qmp-client.ts';

/** Callbacks a LiveQemu of this record reports to. */
export function hooksFor(ctx: DriverContext, rec: InstanceRecord): LiveQemuHooks {
  return {
    onQmpEvent: (e) => onQmpEvent(ctx, rec, e),
    onConsoleData: (data) => {
      rec.console.noteOutput(data);
      ctx.emit({ kind: 'console', instanceId: rec.id, data });
    },
  };
}

/** Wire a LiveQemu into a record: console log upkeep, cleanup after exit. */
export function attach(ctx: DriverContext, rec: InstanceRecord, live: LiveQemu): void {
  rec.live = live;
  rec.console.watch();
  rec.liveDone = live.gone.then(() => finalize(ctx, rec, live));
}

function onQmpEvent(ctx: DriverContext, rec: InstanceRecord, e: QmpEvent): void {
  const change = powerChangeFromEvent(e);
  if (!change || change.power === 'stopped') return; // 'stopped' is reported once the process is gone
  if (rec.live) rec.live.power = change.power;
  if (rec.quiet > 0) return;
  ctx.emit({ kind: 'power', instanceId: rec.id, power: change.power, reason: change.reason });
}

/** After the process is gone: release its cgroup and files, record and report why. */
async function finalize(ctx: DriverContext, rec: InstanceRecord, live: LiveQemu): Promise<void> {
  if (rec.live !== live) return;
  await live.detach();
  await rec.console.unwatch();
  let oomKills = 0;
  if (rec.cgroup) {
    oomKills = await ctx.cgroups.oomKills(rec.cgroup);
    await ctx.cgroups.remove(rec.cgroup);
    rec.cgroup = null;
  }
  await removeRuntimeFiles(rec.paths);
  const intent = rec.exitIntent;
  let status: RestingStatus;
  if (intent) {
    status = intent;
  } else if (live.shutdownReason !== undefined) {
    status = { power: 'stopped', reason: live.shutdownReason };
  } else if (oomKills > 0) {
    status = { power: 'crashed', reason: `QEMU was killed by the OOM killer (memory limit: guest RAM + 100 MiB)` };
  } else {
    const tail = (await readLogTail(rec.paths.logFile, 400)).split('\n').slice(-3).join(' | ');
    status = { power: 'crashed', reason: `QEMU exited unexpectedly${tail ? `: ${tail}` : ''}` };
  }
  rec.live = undefined;
  rec.exitIntent = undefined;
  rec.rest = status;
  if (await pathExists(rec.paths.dir)) {
    await writeJsonAtomic(rec.paths.statusFile, status).catch((err: unknown) => {
      ctx.log.warn({ instanceId: rec.id, err: errorMessage(err) }, 'cannot write status.json');
    });
  }
  if (!intent) {
    const e: DriverEvent = { kind: 'power', instanceId: rec.id, power: status.power };
    if (status.reason !== undefined) e.reason = status.reason;
    ctx.emit(e);
  }
}
