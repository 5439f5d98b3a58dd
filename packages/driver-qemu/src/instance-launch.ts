/**
 * The start and restore path: spawn QEMU for a spec (fresh boot, or restore from a
 * saved state), wait until it runs, and undo everything on failure.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { DriverError, type DriverCallContext, type InstanceSpec, type InstanceStatus } from '@kumo/core';
import type { CgroupPlan } from './cgroup-plan.ts';
import { cgroupLimitsFor } from './cgroup-plan.ts';
import { buildConfigDrive, removeConfigDrive } from './config-drive.ts';
import { errorMessage, type DriverContext } from './driver-context.ts';
import { attach, hooksFor } from './instance-attach.ts';
import { INSTANCE_ID_PATTERN, instancePaths } from './instance-paths.ts';
import { pathExists, removeRuntimeFiles, writeJsonAtomic, type InstanceRecord } from './instance-record.ts';
import { KILL_WAIT_MS } from './instance-terminate.ts';
import { LiveQemu } from './live-qemu.ts';
import { waitForProcessExit } from './process-watch.ts';
import { buildQemuArgv } from './qemu-argv.ts';
import { ovmfFilesFor } from './qemu-argv-guest.ts';
import { prepareEfiVars } from './efi-vars.ts';
import { startSwtpm, stopSwtpm } from './swtpm-process.ts';
import { DISPLAY_MEMORY_OVERHEAD_MIB, hasGraphicalConsole } from './qemu-argv-display.ts';
import { launchQemu, readLogTail, type LaunchedQemu } from './qemu-launch.ts';
import { loadGuestState } from './qemu-state-file.ts';
import { specForRestore } from './restore-spec.ts';
import { wireTaps } from './tap-wiring.ts';

export function checkInstanceId(id: string, code: DriverError['code']): void {
  if (!INSTANCE_ID_PATTERN.test(id)) throw new DriverError(`invalid instance id ${JSON.stringify(id)}`, code);
}

/** start (statePath undefined) or restore: idempotent while the instance runs. */
/**
 * The target side of a live migration (migration/incoming.ts): after QMP and the console are
 * connected, `prepare` sets QEMU up to receive (it must undo nothing: a failure kills the process);
 * `attached` runs once the record holds the live QEMU. The copy stays stopped (-S, -incoming defer).
 */
export interface IncomingLaunch {
  prepare(live: LiveQemu): Promise<void>;
  attached(rec: InstanceRecord, live: LiveQemu): void;
}

/** Spawn a copy of spec that waits for a migration stream (no record for it may be live). */
export function launchIncoming(ctx: DriverContext, spec: InstanceSpec, incoming: IncomingLaunch, job?: DriverCallContext): Promise<InstanceStatus> {
  return launch(ctx, spec, ctx.records.get(spec.instanceId), undefined, job?.signal, incoming);
}

export function startInstance(ctx: DriverContext, spec: InstanceSpec, statePath: string | undefined, job?: DriverCallContext): Promise<InstanceStatus> {
  return ctx.mutex.run(spec.instanceId, async () => {
    const rec = ctx.records.get(spec.instanceId);
    if (rec?.live) return ctx.statusOf(rec, true);
    return launch(ctx, spec, rec, statePath, job?.signal);
  });
}

/** Rejects with DriverError 'cancelled' when the signal aborts (never settles without one). */
function whenCancelled(signal: AbortSignal | undefined, what: string): Promise<never> {
  const p = new Promise<never>((_, reject) => {
    if (!signal) return;
    const fail = () => reject(new DriverError(`${what} was cancelled; nothing of it is left on the host`, 'cancelled'));
    if (signal.aborted) fail(); else signal.addEventListener('abort', fail, { once: true });
  });
  p.catch(() => {});
  return p;
}

/** Spawn QEMU for spec (fresh boot, or restore from statePath) and wait until it runs. */
async function launch(
  ctx: DriverContext, requested: InstanceSpec, existing: InstanceRecord | undefined, statePath: string | undefined, signal?: AbortSignal, incoming?: IncomingLaunch,
): Promise<InstanceStatus> {
  const { opts } = ctx;
  const id = requested.instanceId;
  const paths = instancePaths(opts.stateDir, id);
  let spec = requested;
  if (statePath !== undefined) {
    // The restored QEMU must have the devices the state was saved with.
    const r = specForRestore(requested, existing?.rest.power === 'saved' ? existing.spec : undefined);
    spec = r.spec;
    for (const note of r.notes) ctx.log.warn({ instanceId: id }, `restore: ${note}`);
  }
  const accel = await ctx.accelerator();
  const ovmf = spec.guest?.firmware === 'uefi' ? await ctx.ovmf() : undefined;
  const argv = buildQemuArgv(spec, {
    accel,
    runDir: paths.dir,
    ...(ovmf ? { ovmf } : {}),
    ...(opts.machine ? { machine: opts.machine } : {}),
    ...(statePath !== undefined || incoming ? { incoming: 'defer' } : {}),
  });
  if (statePath !== undefined) {
    try {
      if (!(await stat(statePath)).isFile()) throw new Error('not a regular file');
    } catch (err) {
      throw new DriverError(`restore of ${id} failed: saved state ${statePath}: ${errorMessage(err)}`, 'start_failed');
    }
  }
  const dirExisted = await pathExists(paths.dir);
  await mkdir(paths.dir, { recursive: true });
  await removeRuntimeFiles(paths);

  const rec = existing ?? ctx.newRecord(id);
  const cancelled = whenCancelled(signal, `${statePath !== undefined ? 'restore' : 'start'} of ${id}`);
  let cgroup: CgroupPlan | null = null;
  let launched: LaunchedQemu | undefined;
  let live: LiveQemu | undefined;
  rec.quiet++;
  try {
    if (spec.configDrive !== undefined) {
      await buildConfigDrive(spec.configDrive, paths.configDrive, opts.genisoimageBinary ? { genisoimage: opts.genisoimageBinary } : {});
    } else {
      await removeConfigDrive(paths.configDrive);
    }
    if (ovmf) await prepareEfiVars(paths.efiVars, ovmfFilesFor(spec.guest, ovmf).varsTemplate);
    if (spec.guest?.tpm === true) await startSwtpm(paths, opts.swtpmBinary);
    await rec.console.prepare();
    rec.console.writer = 'qemu'; // the argv has logfile=
    cgroup = await ctx.cgroups.create(id, cgroupLimitsFor(spec, hasGraphicalConsole(spec) ? DISPLAY_MEMORY_OVERHEAD_MIB : 0));
    launched = await launchQemu({ qemuBinary: ctx.qemuBinary, argv, logFile: paths.logFile, procsFiles: cgroup?.procsFiles ?? [] });
    const proc = launched;
    live = new LiveQemu(proc.pid, paths, hooksFor(ctx, rec), proc.exited);
    const l = live;
    const exitedEarly = proc.exited.then(({ code, signal }) => {
      throw new Error(`QEMU exited during startup (${signal ?? `exit code ${code}`})`);
    });
    exitedEarly.catch(() => {});
    const timeoutMs = opts.startTimeoutMs ?? 30_000;
    await Promise.race([l.connectQmp(timeoutMs), exitedEarly, cancelled]);
    await Promise.race([l.connectConsole(timeoutMs), exitedEarly, cancelled]);
    await wireTaps(spec.nics, opts.ipBinary);
    if (statePath !== undefined) {
      await Promise.race([
        loadGuestState(l.requireQmp(), {
          socketPath: paths.restoreSocket,
          statePath,
          timeoutMs: opts.stateTransferTimeoutMs ?? 600_000,
        }),
        exitedEarly,
        cancelled,
      ]);
    }
    if (incoming) {
      await Promise.race([incoming.prepare(l), exitedEarly, cancelled]);
    } else {
      await l.requireQmp().execute('cont');
      const power = await l.refreshPower();
      if (power !== 'running') throw new Error(`QEMU reports ${power} after cont`);
    }

    await writeJsonAtomic(paths.specFile, spec);
    await rm(paths.statusFile, { force: true });
    await rm(paths.migratedAwayFile, { force: true });
    if (!incoming) await rm(paths.incomingFile, { force: true });
    rec.spec = spec;
    rec.cgroup = cgroup;
    rec.rest = { power: 'stopped' };
    rec.exitIntent = undefined;
    delete rec.migratedAway;
    delete rec.incoming;
    ctx.records.set(id, rec);
    attach(ctx, rec, l);
    if (incoming) {
      incoming.attached(rec, l);
      return { instanceId: id, power: 'incoming' };
    }
    return { instanceId: id, power: 'running' };
  } catch (err) {
    // undo in reverse order: process, connections, cgroup, files
    if (launched) {
      try {
        process.kill(launched.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await waitForProcessExit(launched.pid, { timeoutMs: KILL_WAIT_MS });
    }
    await live?.detach();
    await stopSwtpm(paths);
    if (cgroup) await ctx.cgroups.remove(cgroup);
    const tail = await readLogTail(paths.logFile);
    await removeRuntimeFiles(paths);
    await removeConfigDrive(paths.configDrive); // rebuilt at the next start anyway
    if (!dirExisted) await rm(paths.dir, { recursive: true, force: true });
    if (err instanceof DriverError && err.code === 'cancelled') throw err;
    const what = statePath !== undefined ? 'restore' : incoming ? 'incoming migration start' : 'start';
    throw new DriverError(`${what} of ${id} failed: ${errorMessage(err)}${tail ? `\nQEMU said:\n${tail}` : ''}`, 'start_failed');
  } finally {
    rec.quiet--;
  }
}
