/**
 * A new driver on an existing state directory: every instance directory is picked
 * up, QEMUs that still run are re-adopted (pidfile + command line + QMP), the rest
 * are recorded with their last status, and an interrupted first start is undone.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import type { InstanceSpec } from '@kumo/core';
import { errorMessage, type DriverContext } from './driver-context.ts';
import { attach, hooksFor } from './instance-attach.ts';
import { INSTANCE_ID_PATTERN, instancePaths } from './instance-paths.ts';
import { readJson, removeRuntimeFiles, writeJsonAtomic, type RestingStatus } from './instance-record.ts';
import { KILL_WAIT_MS } from './instance-terminate.ts';
import { LiveQemu } from './live-qemu.ts';
import { readoptMigrationState } from './migration/incoming.ts';
import { isProcessAlive, processArgv, waitForProcessExit } from './process-watch.ts';

/** First use: pick up every instance directory, re-adopting QEMUs that still run. */
export async function adoptAll(ctx: DriverContext): Promise<void> {
  await mkdir(ctx.opts.stateDir, { recursive: true });
  const entries = await readdir(ctx.opts.stateDir, { withFileTypes: true });
  await Promise.all(
    entries
      .filter((e) => e.isDirectory() && INSTANCE_ID_PATTERN.test(e.name))
      .map((e) => adoptOne(ctx, e.name).catch((err: unknown) => {
        ctx.log.error({ instanceId: e.name, err: errorMessage(err) }, 'cannot re-adopt instance');
      })),
  );
}

async function adoptOne(ctx: DriverContext, id: string): Promise<void> {
  const paths = instancePaths(ctx.opts.stateDir, id);
  const spec = await readJson<InstanceSpec>(paths.specFile);
  const pidText = await readFile(paths.pidFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(pidText.trim(), 10);
  const argv = Number.isInteger(pid) && (await isProcessAlive(pid)) ? await processArgv(pid) : [];
  // the process must be a QEMU using this instance's QMP socket (against pid reuse)
  const running = argv.some((a) => a.includes(paths.qmpSocket));

  if (!spec) {
    // An agent died in the middle of a first start: finish the undo it could not.
    if (running) {
      process.kill(pid, 'SIGKILL');
      await waitForProcessExit(pid, { timeoutMs: KILL_WAIT_MS });
    }
    const cg = await ctx.cgroups.existing(id);
    if (cg) await ctx.cgroups.remove(cg);
    await rm(paths.dir, { recursive: true, force: true });
    ctx.log.warn({ instanceId: id }, 'removed the remains of an unfinished start');
    return;
  }

  const rec = ctx.newRecord(id);
  rec.spec = spec;
  const saved = await readJson<RestingStatus>(paths.statusFile);
  if (!running) {
    const cg = await ctx.cgroups.existing(id);
    if (cg) await ctx.cgroups.remove(cg);
    await removeRuntimeFiles(paths);
    rec.rest = saved ?? { power: 'stopped', reason: 'QEMU process gone' };
    if (!saved) await writeJsonAtomic(paths.statusFile, rec.rest);
    ctx.records.set(id, rec);
    return;
  }

  if (!argv.some((a) => a.includes(`logfile=${paths.consoleLog},`))) {
    // Started by an agent from before QEMU wrote the console log itself.
    rec.console.writer = 'driver';
    ctx.log.info({ instanceId: id, pid }, 'QEMU does not write console.log itself (started by an older agent): the driver writes it until the next start');
  }
  rec.cgroup = await ctx.cgroups.existing(id);
  const live = new LiveQemu(pid, paths, hooksFor(ctx, rec));
  ctx.records.set(id, rec);
  attach(ctx, rec, live);
  try {
    await live.connectQmp(5000);
    await live.refreshPower();
    await readoptMigrationState(ctx, rec, live);
  } catch (err) {
    ctx.log.warn({ instanceId: id, pid, err: errorMessage(err) }, 'QMP of a re-adopted QEMU not reachable yet; retrying in the background');
    live.connectQmpInBackground();
  }
  try {
    await live.connectConsole(2000);
  } catch (err) {
    ctx.log.warn({ instanceId: id, pid, err: errorMessage(err) }, 'serial console of a re-adopted QEMU not reachable');
  }
}
