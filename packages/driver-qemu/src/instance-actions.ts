/**
 * Lifecycle actions on a defined instance: stop, pause, resume, reboot, save,
 * destroy. Each runs under the instance's mutex with `quiet` raised, so the power
 * changes it causes are not reported as events.
 */
import { rm } from 'node:fs/promises';
import { DriverError, type DriverCallContext, type InstanceStatus } from '@kumo/core';
import { asDriverError, type DriverContext } from './driver-context.ts';
import { shutdownThroughAgent } from './instance-guest-agent.ts';
import { INSTANCE_ID_PATTERN, instancePaths } from './instance-paths.ts';
import { writeJsonAtomic } from './instance-record.ts';
import { terminate } from './instance-terminate.ts';
import type { LiveQemu } from './live-qemu.ts';
import { saveGuestState } from './qemu-state-file.ts';

export function stopInstance(ctx: DriverContext, instanceId: string, opts: { force: boolean; timeoutSec: number }): Promise<InstanceStatus> {
  return ctx.mutex.run(instanceId, async () => {
    const rec = ctx.records.get(instanceId);
    if (!rec) return { instanceId, power: 'stopped', reason: 'not defined' };
    const live = rec.live;
    if (!live) {
      // saved or crashed: nothing runs; it becomes stopped (a state file is its caller's to delete)
      if (rec.rest.power !== 'stopped') {
        rec.rest = { power: 'stopped', reason: 'stopped' };
        await writeJsonAtomic(rec.paths.statusFile, rec.rest);
      }
      return ctx.statusOf(rec, false);
    }
    rec.quiet++;
    try {
      const power = await live.refreshPower();
      // A paused guest cannot act on the ACPI power button: stop it at once.
      if (!opts.force && power === 'running' && live.qmp) {
        rec.exitIntent = { power: 'stopped', reason: 'guest shut down' };
        await live.qmp.execute('system_powerdown');
        // A guest with an agent gets half the time for the power button, then the agent is asked
        // (guests that ignore ACPI: no acpid, a Windows lock screen).
        const totalMs = Math.max(0, opts.timeoutSec) * 1000;
        const acpiMs = rec.spec?.guest?.guestAgent === true ? Math.floor(totalMs / 2) : totalMs;
        let gone = await live.waitGone(acpiMs);
        if (!gone && acpiMs < totalMs && (await shutdownThroughAgent(ctx, rec))) gone = await live.waitGone(totalMs - acpiMs);
        if (gone) {
          await rec.liveDone;
          return ctx.statusOf(rec, false);
        }
        rec.exitIntent = { power: 'stopped', reason: `killed: guest did not shut down within ${opts.timeoutSec} s` };
      } else {
        rec.exitIntent = { power: 'stopped', reason: opts.force ? 'stopped (forced)' : 'stopped' };
      }
      await terminate(rec, live);
      return ctx.statusOf(rec, false);
    } catch (err) {
      if (rec.live) rec.exitIntent = undefined;
      throw asDriverError(err, `stop of ${instanceId} failed`);
    } finally {
      rec.quiet--;
    }
  });
}

export function pauseInstance(ctx: DriverContext, instanceId: string): Promise<InstanceStatus> {
  return qmpAction(ctx, instanceId, 'pause', async (live) => {
    if ((await live.refreshPower()) === 'paused') return;
    await live.requireQmp().execute('stop');
  });
}

/** Also runs a source copy again whose target failed to take over after its migration (QEMU 'postmigrate'). */
export function resumeInstance(ctx: DriverContext, instanceId: string): Promise<InstanceStatus> {
  return qmpAction(ctx, instanceId, 'resume', async (live) => {
    const rec = ctx.requireRecord(instanceId);
    if ((await live.refreshPower()) !== 'running') await live.requireQmp().execute('cont');
    if (rec.migratedAway) ctx.log.warn({ instanceId }, 'a migrated-away copy runs again on this host');
    delete rec.migratedAway;
    await rm(rec.paths.migratedAwayFile, { force: true });
  });
}

export function rebootInstance(ctx: DriverContext, instanceId: string): Promise<InstanceStatus> {
  return qmpAction(ctx, instanceId, 'reboot', async (live) => {
    // The reset happens in QEMU's main loop after the command returns: wait for
    // its RESET event so the call resolves once the reboot is observed (and the
    // event is not mistaken for a guest-initiated reboot).
    const qmp = live.requireQmp();
    let off = (): void => {};
    const reset = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no RESET event within 10 s')), 10_000);
      off = qmp.onEvent((e) => {
        if (e.event === 'RESET') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    reset.catch(() => {});
    try {
      await qmp.execute('system_reset');
      await reset;
    } finally {
      off();
    }
  });
}

export function saveInstance(ctx: DriverContext, instanceId: string, statePath: string, job?: DriverCallContext): Promise<InstanceStatus> {
  return ctx.mutex.run(instanceId, async () => {
    const rec = ctx.requireRecord(instanceId);
    const live = rec.live;
    if (!live) {
      if (rec.rest.power === 'saved' && rec.rest.statePath === statePath) return ctx.statusOf(rec, false);
      throw new DriverError(`instance ${instanceId} is not running (${rec.rest.power})`, 'invalid_state');
    }
    rec.quiet++;
    const wasRunning = (await live.refreshPower()) === 'running';
    try {
      const qmp = live.requireQmp();
      if (wasRunning) await qmp.execute('stop');
      try {
        await saveGuestState(qmp, {
          socketPath: rec.paths.saveSocket,
          statePath,
          timeoutMs: ctx.opts.stateTransferTimeoutMs ?? 600_000,
          ...(ctx.opts.saveBandwidthBytesPerSec ? { bandwidthBytesPerSec: ctx.opts.saveBandwidthBytesPerSec } : {}),
          ...(job ? { job } : {}),
        });
      } catch (err) {
        if (wasRunning && live.qmp) await live.qmp.execute('cont').catch(() => {});
        throw err;
      }
      rec.exitIntent = { power: 'saved', reason: 'state saved', statePath };
      await terminate(rec, live);
      return ctx.statusOf(rec, false);
    } catch (err) {
      if (rec.live) rec.exitIntent = undefined;
      throw asDriverError(err, `save of ${instanceId} failed`);
    } finally {
      rec.quiet--;
    }
  });
}

/** Ends the QEMU if it runs, then removes the cgroup and the whole instance directory (console log included). */
export async function destroyInstance(ctx: DriverContext, instanceId: string): Promise<void> {
  if (!INSTANCE_ID_PATTERN.test(instanceId)) return; // cannot exist
  await ctx.mutex.run(instanceId, async () => {
    const rec = ctx.records.get(instanceId);
    const paths = rec?.paths ?? instancePaths(ctx.opts.stateDir, instanceId);
    if (rec?.live) {
      rec.quiet++;
      try {
        rec.exitIntent = { power: 'stopped', reason: 'destroyed' };
        await terminate(rec, rec.live);
      } catch (err) {
        if (rec.live) rec.exitIntent = undefined;
        throw asDriverError(err, `destroy of ${instanceId} failed`);
      } finally {
        rec.quiet--;
      }
    }
    await rec?.console.unwatch();
    const leftover = await ctx.cgroups.existing(instanceId);
    if (leftover) await ctx.cgroups.remove(leftover);
    await rm(paths.dir, { recursive: true, force: true });
    ctx.records.delete(instanceId);
  });
}

async function qmpAction(ctx: DriverContext, instanceId: string, what: string, act: (live: LiveQemu) => Promise<void>): Promise<InstanceStatus> {
  return ctx.mutex.run(instanceId, async () => {
    const rec = ctx.requireRecord(instanceId);
    const live = rec.live;
    if (!live) throw new DriverError(`cannot ${what} ${instanceId}: it is ${rec.rest.power}`, 'invalid_state');
    rec.quiet++;
    try {
      await act(live);
      return await ctx.statusOf(rec, true);
    } catch (err) {
      throw asDriverError(err, `${what} of ${instanceId} failed`);
    } finally {
      rec.quiet--;
    }
  });
}
