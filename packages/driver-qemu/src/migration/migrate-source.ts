/**
 * The source side of a live migration (Driver.migrate): local disks mirrored first (disk-mirrors.ts),
 * then the memory stream under the policy, polled with query-migrate on the injected clock.
 *
 *   migrate-set-capabilities  events, auto-converge, postcopy-ram (by policy)
 *   migrate-set-parameters    downtime-limit, max-bandwidth
 *   migrate                   {uri}
 *   query-migrate             every POLL_MS → MigrationStats; after policy.postcopyAfterPasses
 *                             passes: migrate-start-postcopy
 * On completion the mirrors are cancelled (the source never writes after the switch) and the copy
 * stays paused with reason 'migrated'. On cancel, timeout or failure before the switch to post-copy:
 * migrate_cancel, the mirrors cancelled, and the guest runs on the source as before (cont if QEMU
 * left it stopped). Once in post-copy the guest runs on the target and cannot come back: cancel and
 * timeout are not honoured any more, the call waits for the end.
 */
import { writeFile } from 'node:fs/promises';
import {
  cancelledError, DriverError, type DriverCallContext, type IncomingEndpoint, type MigrationPolicy, type MigrationResult, type MigrationStats,
} from '@kumo/core';
import { QEMU_MEMORY_OVERHEAD_MIB } from '../cgroup-plan.ts';
import { asDriverError, errorMessage, type DriverContext } from '../driver-context.ts';
import type { InstanceRecord } from '../instance-record.ts';
import type { LiveQemu } from '../live-qemu.ts';
import type { QmpClient } from '../qmp-client.ts';
import { DiskMirrors } from './disk-mirrors.ts';
import { detailOf, migrationCapabilities, migrationParameters, resultFrom, statsFrom, type QueryMigrate } from './migration-stats.ts';

/** query-migrate / query-block-jobs interval (a MIGRATION event polls at once). */
export const POLL_MS = 250;
/**
 * Extra memory the source QEMU may use while it migrates (the migration thread's buffers, the
 * mirrors' buffers), above guest RAM + QEMU_MEMORY_OVERHEAD_MIB: without it a guest with a 1 GiB
 * local disk was OOM-killed in its memory cgroup mid-migration (bench/migration, TCG).
 */
export const MIGRATION_MEMORY_HEADROOM_MIB = 256;
/** At most one progress report per this interval (besides stage changes). */
const REPORT_MS = 1000;

function checkPolicy(p: MigrationPolicy): void {
  const bad = (field: string, why: string): never => {
    throw new DriverError(`invalid migration policy: ${field} ${why}`, 'invalid_state');
  };
  if (!Number.isFinite(p.downtimeLimitMs) || p.downtimeLimitMs < 1) bad('downtimeLimitMs', 'must be at least 1');
  if (!Number.isFinite(p.maxBandwidthBytesPerSec) || p.maxBandwidthBytesPerSec < 0) bad('maxBandwidthBytesPerSec', 'must be 0 (unlimited) or more');
  if (!Number.isFinite(p.timeoutMs) || p.timeoutMs < 1) bad('timeoutMs', 'must be at least 1');
  if (p.postcopyAfterPasses !== null && (!Number.isInteger(p.postcopyAfterPasses) || p.postcopyAfterPasses < 1)) bad('postcopyAfterPasses', 'must be null or a whole number of at least 1');
}

/** Why the migration is stopped from our side (checked at every poll). */
type Stop = { code: 'cancelled' | 'timeout'; message: string };

export async function migrateInstance(ctx: DriverContext, instanceId: string, target: IncomingEndpoint, policy: MigrationPolicy, job?: DriverCallContext): Promise<MigrationResult> {
  checkPolicy(policy);
  if (!/^(tcp|unix):/.test(target.uri)) throw new DriverError(`invalid migration target: uri ${JSON.stringify(target.uri)} is not tcp:host:port`, 'invalid_state');
  const signal = job?.signal;
  if (signal?.aborted) throw cancelledError(`migration of ${instanceId}`, signal);
  return ctx.mutex.run(instanceId, async () => {
    const rec = ctx.requireRecord(instanceId);
    const live = rec.live;
    if (!live) throw new DriverError(`cannot migrate ${instanceId}: it is ${rec.rest.power}`, 'invalid_state');
    if (rec.migratedAway) throw new DriverError(`cannot migrate ${instanceId}: it has already migrated away (resume or destroy it)`, 'invalid_state');
    if (rec.incoming?.state === 'waiting') throw new DriverError(`cannot migrate ${instanceId}: it is waiting for an incoming migration`, 'invalid_state');
    const power = await live.refreshPower();
    if (power !== 'running' && power !== 'paused') throw new DriverError(`cannot migrate ${instanceId}: it is ${power}`, 'invalid_state');
    rec.quiet++;
    await memoryHeadroom(ctx, rec, MIGRATION_MEMORY_HEADROOM_MIB);
    try {
      const run = new SourceMigration(ctx, instanceId, live, target, policy, job);
      const result = await run.run(power === 'running');
      rec.migratedAway = true;
      await writeFile(rec.paths.migratedAwayFile, `${new Date(ctx.clock.now()).toISOString()}\n`);
      live.power = 'paused';
      ctx.log.info({ instanceId, ...result }, 'migrated away');
      return result;
    } catch (err) {
      throw asDriverError(err, `migration of ${instanceId} failed`);
    } finally {
      await memoryHeadroom(ctx, rec, 0);
      rec.quiet--;
    }
  });
}

/** Sets the instance's memory limit to guest RAM + QEMU's overhead + extraMiB (best effort). */
async function memoryHeadroom(ctx: DriverContext, rec: InstanceRecord, extraMiB: number): Promise<void> {
  if (!rec.cgroup || !rec.spec) return;
  const bytes = (rec.spec.memoryMiB + QEMU_MEMORY_OVERHEAD_MIB + extraMiB) * 1024 * 1024;
  await ctx.cgroups.setMemoryLimit(rec.cgroup, bytes).catch((err: unknown) => {
    ctx.log.warn({ instanceId: rec.id, bytes, err: errorMessage(err) }, 'cannot change the memory limit around a migration');
  });
}

class SourceMigration {
  private readonly qmp: QmpClient;
  private readonly deadline: number;
  private postcopy = false;
  private lastReport = -Infinity;
  private lastStage: MigrationStats['stage'] | undefined;

  constructor(
    private readonly ctx: DriverContext,
    private readonly id: string,
    private readonly live: LiveQemu,
    private readonly target: IncomingEndpoint,
    private readonly policy: MigrationPolicy,
    private readonly job: DriverCallContext | undefined,
  ) {
    this.qmp = live.requireQmp();
    this.deadline = ctx.clock.now() + policy.timeoutMs;
  }

  /** Wakes a sleeping poll early (a MIGRATION event: the status changed). */
  private wake: (() => void) | undefined;

  private sleep = (ms: number): Promise<void> => new Promise((resolve) => {
    const signal = this.job?.signal;
    const done = (): void => {
      this.ctx.clock.clearTimeout(t);
      signal?.removeEventListener('abort', done);
      this.wake = undefined;
      resolve();
    };
    const t = this.ctx.clock.setTimeout(done, ms);
    this.wake = done;
    signal?.addEventListener('abort', done, { once: true });
  });

  private stopRequested(): Stop | undefined {
    const signal = this.job?.signal;
    if (signal?.aborted) return { code: 'cancelled', message: cancelledError(`migration of ${this.id}`, signal).message + '; the guest keeps running on this host' };
    if (this.ctx.clock.now() >= this.deadline) return { code: 'timeout', message: `migration of ${this.id} did not complete within ${this.policy.timeoutMs} ms; cancelled, the guest keeps running on this host` };
    return undefined;
  }

  private report(stats: MigrationStats): void {
    const now = this.ctx.clock.now();
    if (stats.stage === this.lastStage && now - this.lastReport < REPORT_MS) return;
    this.lastStage = stats.stage;
    this.lastReport = now;
    const ram = stats.ramTotalBytes > 0 ? Math.min(99, Math.floor((100 * stats.ramTransferredBytes) / Math.max(stats.ramTotalBytes, 1))) : 0;
    try {
      this.job?.onProgress?.({ phase: `migrating (${stats.stage})`, percent: stats.stage === 'mirroring-disks' ? 0 : ram, detail: detailOf(stats), migration: stats });
    } catch {
      // a listener that throws is ignored
    }
  }

  async run(wasRunning: boolean): Promise<MigrationResult> {
    const mirrors = this.target.nbd && this.target.nbd.exports.length > 0 ? new DiskMirrors(this.qmp, this.target.nbd, this.sleep) : undefined;
    let started = false;
    try {
      if (mirrors) await this.mirror(mirrors);
      await this.qmp.execute('migrate-set-capabilities', { capabilities: migrationCapabilities(this.policy) });
      await this.qmp.execute('migrate-set-parameters', migrationParameters(this.policy));
      started = true;
      await this.qmp.execute('migrate', { uri: this.target.uri });
      const q = await this.follow(mirrors);
      await mirrors?.end();
      const result = resultFrom(q, this.postcopy, mirrors?.bytes ?? 0);
      this.report({ ...statsFrom(q, 0), stage: 'completing' });
      return result;
    } catch (err) {
      if (this.postcopy) throw err; // the guest is on the target: nothing to undo here
      await this.undo(started, mirrors, wasRunning);
      throw err;
    }
  }

  private async mirror(mirrors: DiskMirrors): Promise<void> {
    try {
      await mirrors.start();
    } catch (err) {
      throw new DriverError(`migration of ${this.id} failed: cannot mirror its disks to ${this.target.nbd!.host}:${this.target.nbd!.port}: ${errorMessage(err)}; the guest keeps running on this host`, 'host_failure');
    }
    for (;;) {
      const stop = this.stopRequested();
      if (stop) throw new DriverError(stop.message, stop.code);
      let p: { remaining: number; ready: boolean };
      try {
        p = await mirrors.poll();
      } catch (err) {
        throw new DriverError(`migration of ${this.id} failed: ${errorMessage(err)}; the guest keeps running on this host`, 'host_failure');
      }
      this.report({ ...statsFrom({}, p.remaining), stage: 'mirroring-disks' });
      if (p.ready) return;
      await this.sleep(POLL_MS);
    }
  }

  /** Polls until completed; throws on failure, cancel or timeout (before post-copy). */
  private async follow(mirrors: DiskMirrors | undefined): Promise<QueryMigrate> {
    const off = this.qmp.onEvent((e) => {
      if (e.event === 'MIGRATION') this.wake?.();
    });
    try {
      return await this.followPolls(mirrors);
    } finally {
      off();
    }
  }

  private async followPolls(mirrors: DiskMirrors | undefined): Promise<QueryMigrate> {
    for (;;) {
      const q = await this.qmp.execute<QueryMigrate>('query-migrate');
      const status = q.status ?? 'none';
      if (status === 'completed') return this.finalFigures(q);
      if (status === 'failed' || status === 'cancelled') {
        throw new DriverError(`migration of ${this.id} to ${this.target.uri} ${status}: ${q['error-desc'] ?? 'QEMU gave no reason'}${this.postcopy ? '' : '; the guest keeps running on this host'}`, 'host_failure');
      }
      if (status === 'postcopy-paused') {
        throw new DriverError(`migration of ${this.id} to ${this.target.uri} broke off in post-copy (postcopy-paused): the guest's memory is split between the hosts`, 'host_failure');
      }
      if (!this.postcopy) {
        try {
          mirrors?.check();
        } catch (err) {
          throw new DriverError(`migration of ${this.id} failed: ${errorMessage(err)}; the guest keeps running on this host`, 'host_failure');
        }
        const stop = this.stopRequested();
        if (stop) throw new DriverError(stop.message, stop.code);
      }
      const stats = statsFrom(q, 0);
      this.report(stats);
      const after = this.policy.postcopyAfterPasses;
      if (!this.postcopy && after !== null && status === 'active' && stats.pass >= after) {
        await this.qmp.execute('migrate-start-postcopy');
        this.postcopy = true;
        this.ctx.log.info({ instanceId: this.id, pass: stats.pass }, 'migration switched to post-copy');
      }
      await this.sleep(POLL_MS);
    }
  }

  /**
   * QEMU announces 'completed' (event and status) a moment before it has computed total-time and
   * downtime (regression migration_result_zero_total_time): ask again briefly until they are there.
   * Until then QEMU reports them absent or as 0 (a completed migration never takes 0 ms).
   */
  private async finalFigures(q: QueryMigrate): Promise<QueryMigrate> {
    for (let i = 0; i < 40 && !q['total-time']; i++) {
      await this.sleep(25);
      q = await this.qmp.execute<QueryMigrate>('query-migrate');
    }
    return q;
  }

  /** Back to how it was: stream cancelled, mirrors cancelled, the guest running if it ran. */
  private async undo(started: boolean, mirrors: DiskMirrors | undefined, wasRunning: boolean): Promise<void> {
    if (started) {
      await this.qmp.execute('migrate_cancel').catch(() => {});
      for (let i = 0; i < 100; i++) {
        const q = await this.qmp.execute<QueryMigrate>('query-migrate').catch(() => ({ status: 'none' }));
        if (!['active', 'cancelling', 'setup', 'device', 'pre-switchover', 'wait-unplug'].includes(q.status ?? 'none')) break;
        await new Promise<void>((resolve) => this.ctx.clock.setTimeout(resolve, 50));
      }
    }
    await mirrors?.end();
    if (wasRunning && this.live.qmp && (await this.live.refreshPower()) !== 'running') {
      await this.live.qmp.execute('cont').catch((err: unknown) => {
        this.ctx.log.error({ instanceId: this.id, err: errorMessage(err) }, 'cannot resume the guest after a failed migration');
      });
      await this.live.refreshPower();
    }
  }
}
