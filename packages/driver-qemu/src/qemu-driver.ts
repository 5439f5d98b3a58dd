/**
 * The QEMU driver: one QEMU process per instance, driven over QMP.
 *
 * State on disk, per instance, in <stateDir>/<instanceId>/ (see instance-paths.ts):
 * spec.json (written after a successful start), status.json (power of a guest that
 * is not running), qemu.pid, qmp.sock, serial.sock, qemu.log, cidata.iso (the
 * config drive, rebuilt from spec.configDrive at every start and restore). QEMU
 * processes run detached and outlive the agent; a new QemuDriver on the same
 * stateDir re-adopts them (pidfile + command line check + QMP) on first use.
 *
 * Guarantees (see @kumo/core Driver):
 * - every call resolves once QEMU (or /proc) shows the new state;
 * - a failed start leaves nothing behind (process, cgroup, taps, new directory) and
 *   its DriverError carries the tail of QEMU's own stderr;
 * - power events are emitted only for changes the driver did not cause itself
 *   (guest poweroff or reboot, QEMU crash or OOM kill, pause on I/O error).
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { DriverError, type Driver, type DriverEvent, type HostFacts, type InstanceSpec, type InstanceStatus, type PowerState } from '@kumo/core';
import { buildQemuArgv } from './qemu-argv.ts';
import { buildConfigDrive, removeConfigDrive } from './config-drive.ts';
import { specForRestore } from './restore-spec.ts';
import { ByteRing } from './byte-ring.ts';
import { pathExists, readJson, writeJsonAtomic, type InstanceRecord, type RestingStatus } from './instance-record.ts';
import { CgroupManager } from './cgroup-manager.ts';
import { cgroupLimitsFor, type CgroupPlan } from './cgroup-plan.ts';
import { stderrLogger, type DriverLogger } from './driver-logger.ts';
import { readHostFacts } from './host-facts.ts';
import { INSTANCE_ID_PATTERN, instancePaths, type InstancePaths } from './instance-paths.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { probeAccelerator } from './kvm-probe.ts';
import { LiveQemu } from './live-qemu.ts';
import { isProcessAlive, processArgv, waitForProcessExit } from './process-watch.ts';
import { launchQemu, readLogTail, type LaunchedQemu } from './qemu-launch.ts';
import { powerChangeFromEvent } from './qemu-runstate.ts';
import { loadGuestState, saveGuestState } from './qemu-state-file.ts';
import { wireTaps } from './tap-wiring.ts';
import type { QmpEvent } from './qmp-client.ts';

export interface QemuDriverOptions {
  /** Per-instance directories live here. */
  stateDir: string;
  /** Default 'qemu-system-x86_64'. */
  qemuBinary?: string;
  /** 'auto' (default) runs the KVM probe once and falls back to TCG. */
  accel?: 'kvm' | 'tcg' | 'auto';
  /** Default '/sys/fs/cgroup'. */
  cgroupRoot?: string;
  /** Group under which each instance gets its own group. Default 'kumo'. */
  cgroupParent?: string;
  machine?: 'q35' | 'pc';
  /** Console ring log per instance. Default 256 KiB. */
  consoleLogBytes?: number;
  /** Until QMP answers after spawning QEMU. Default 30 s. */
  startTimeoutMs?: number;
  /** Limit for save/restore streams. Default 10 min. */
  stateTransferTimeoutMs?: number;
  /** Default 'ip'. */
  ipBinary?: string;
  /** Builds config drives. Default 'genisoimage' (Debian package genisoimage). */
  genisoimageBinary?: string;
  logger?: DriverLogger;
}

const QUIT_GRACE_MS = 5000;
const KILL_WAIT_MS = 10_000;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class QemuDriver implements Driver {
  readonly kind = 'qemu' as const;
  private readonly records = new Map<string, InstanceRecord>();
  private readonly listeners = new Set<(e: DriverEvent) => void>();
  private readonly mutex = new KeyedMutex();
  private readonly cgroups: CgroupManager;
  private readonly log: DriverLogger;
  private readonly qemuBinary: string;
  private loaded: Promise<void> | undefined;
  private accelPromise: Promise<'kvm' | 'tcg'> | undefined;
  private closed = false;

  constructor(private readonly opts: QemuDriverOptions) {
    this.log = opts.logger ?? stderrLogger;
    this.qemuBinary = opts.qemuBinary ?? 'qemu-system-x86_64';
    this.cgroups = new CgroupManager(opts.cgroupRoot ?? '/sys/fs/cgroup', opts.cgroupParent ?? 'kumo', this.log);
  }

  // ---- Driver interface ---------------------------------------------------

  async facts(): Promise<HostFacts> {
    return readHostFacts(this.qemuBinary, await this.accelerator());
  }

  async list(): Promise<InstanceStatus[]> {
    await this.ready();
    return Promise.all([...this.records.values()].map((r) => this.statusOf(r, true)));
  }

  async inspect(instanceId: string): Promise<InstanceStatus> {
    await this.ready();
    const rec = this.records.get(instanceId);
    if (!rec) return { instanceId, power: 'stopped', reason: 'not defined' };
    return this.statusOf(rec, true);
  }

  async start(spec: InstanceSpec): Promise<InstanceStatus> {
    this.checkId(spec.instanceId, 'start_failed');
    await this.ready();
    return this.mutex.run(spec.instanceId, async () => {
      const rec = this.records.get(spec.instanceId);
      if (rec?.live) return this.statusOf(rec, true);
      return this.launch(spec, rec, undefined);
    });
  }

  async restore(spec: InstanceSpec, statePath: string): Promise<InstanceStatus> {
    this.checkId(spec.instanceId, 'start_failed');
    await this.ready();
    return this.mutex.run(spec.instanceId, async () => {
      const rec = this.records.get(spec.instanceId);
      if (rec?.live) return this.statusOf(rec, true);
      return this.launch(spec, rec, statePath);
    });
  }

  async stop(instanceId: string, opts: { force: boolean; timeoutSec: number }): Promise<InstanceStatus> {
    await this.ready();
    return this.mutex.run(instanceId, async () => {
      const rec = this.records.get(instanceId);
      if (!rec) return { instanceId, power: 'stopped', reason: 'not defined' };
      const live = rec.live;
      if (!live) return this.statusOf(rec, false);
      rec.quiet++;
      try {
        const power = await live.refreshPower();
        // A paused guest cannot act on the ACPI power button: stop it at once.
        if (!opts.force && power === 'running' && live.qmp) {
          rec.exitIntent = { power: 'stopped', reason: 'guest shut down' };
          await live.qmp.execute('system_powerdown');
          if (await live.waitGone(Math.max(0, opts.timeoutSec) * 1000)) {
            await rec.liveDone;
            return this.statusOf(rec, false);
          }
          rec.exitIntent = { power: 'stopped', reason: `killed: guest did not shut down within ${opts.timeoutSec} s` };
        } else {
          rec.exitIntent = { power: 'stopped', reason: opts.force ? 'stopped (forced)' : 'stopped' };
        }
        await this.terminate(rec, live);
        return this.statusOf(rec, false);
      } catch (err) {
        if (rec.live) rec.exitIntent = undefined;
        throw this.asDriverError(err, `stop of ${instanceId} failed`);
      } finally {
        rec.quiet--;
      }
    });
  }

  pause(instanceId: string): Promise<InstanceStatus> {
    return this.qmpAction(instanceId, 'pause', async (live) => {
      if ((await live.refreshPower()) === 'paused') return;
      await live.requireQmp().execute('stop');
    });
  }

  resume(instanceId: string): Promise<InstanceStatus> {
    return this.qmpAction(instanceId, 'resume', async (live) => {
      if ((await live.refreshPower()) === 'running') return;
      await live.requireQmp().execute('cont');
    });
  }

  reboot(instanceId: string): Promise<InstanceStatus> {
    return this.qmpAction(instanceId, 'reboot', async (live) => {
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

  async save(instanceId: string, statePath: string): Promise<InstanceStatus> {
    await this.ready();
    return this.mutex.run(instanceId, async () => {
      const rec = this.requireRecord(instanceId);
      const live = rec.live;
      if (!live) {
        if (rec.rest.power === 'saved' && rec.rest.statePath === statePath) return this.statusOf(rec, false);
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
            timeoutMs: this.opts.stateTransferTimeoutMs ?? 600_000,
          });
        } catch (err) {
          if (wasRunning && live.qmp) await live.qmp.execute('cont').catch(() => {});
          throw err;
        }
        rec.exitIntent = { power: 'saved', reason: 'state saved', statePath };
        await this.terminate(rec, live);
        return this.statusOf(rec, false);
      } catch (err) {
        if (rec.live) rec.exitIntent = undefined;
        throw this.asDriverError(err, `save of ${instanceId} failed`);
      } finally {
        rec.quiet--;
      }
    });
  }

  async destroy(instanceId: string): Promise<void> {
    if (!INSTANCE_ID_PATTERN.test(instanceId)) return; // cannot exist
    await this.ready();
    await this.mutex.run(instanceId, async () => {
      const rec = this.records.get(instanceId);
      const paths = rec?.paths ?? instancePaths(this.opts.stateDir, instanceId);
      if (rec?.live) {
        rec.quiet++;
        try {
          rec.exitIntent = { power: 'stopped', reason: 'destroyed' };
          await this.terminate(rec, rec.live);
        } catch (err) {
          if (rec.live) rec.exitIntent = undefined;
          throw this.asDriverError(err, `destroy of ${instanceId} failed`);
        } finally {
          rec.quiet--;
        }
      }
      const leftover = await this.cgroups.existing(instanceId);
      if (leftover) await this.cgroups.remove(leftover);
      await rm(paths.dir, { recursive: true, force: true });
      this.records.delete(instanceId);
    });
  }

  onEvent(listener: (e: DriverEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async consoleWrite(instanceId: string, data: Buffer): Promise<void> {
    await this.ready();
    const rec = this.requireRecord(instanceId);
    if (!rec.live) throw new DriverError(`instance ${instanceId} is not running`, 'invalid_state');
    try {
      await rec.live.console.write(data);
    } catch (err) {
      throw new DriverError(`console of ${instanceId}: ${message(err)}`, 'invalid_state');
    }
  }

  async consoleLog(instanceId: string): Promise<Buffer> {
    await this.ready();
    return this.requireRecord(instanceId).ring.snapshot();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.loaded?.catch(() => {});
    await Promise.all([...this.records.values()].map((r) => r.live?.detach()));
    this.listeners.clear();
  }

  // ---- extras beyond the Driver interface ---------------------------------

  /** The accelerator guests get: the configured one, or the probe's answer for 'auto'. */
  accelerator(): Promise<'kvm' | 'tcg'> {
    const want = this.opts.accel ?? 'auto';
    if (want !== 'auto') return Promise.resolve(want);
    this.accelPromise ??= probeAccelerator({ qemuBinary: this.qemuBinary }).then((r) => {
      this.log.info({ accel: r.accel, detail: r.detail }, 'QEMU accelerator chosen');
      return r.accel;
    });
    return this.accelPromise;
  }

  /** PID of the instance's QEMU, if running. */
  pidOf(instanceId: string): number | undefined {
    return this.records.get(instanceId)?.live?.pid;
  }

  // ---- internals -----------------------------------------------------------

  private ready(): Promise<void> {
    if (this.closed) return Promise.reject(new DriverError('the QEMU driver is closed', 'host_failure'));
    this.loaded ??= this.adoptAll();
    return this.loaded;
  }

  private checkId(id: string, code: DriverError['code']): void {
    if (!INSTANCE_ID_PATTERN.test(id)) throw new DriverError(`invalid instance id ${JSON.stringify(id)}`, code);
  }

  private requireRecord(instanceId: string): InstanceRecord {
    const rec = this.records.get(instanceId);
    if (!rec) throw new DriverError(`instance ${instanceId} is not defined on this host`, 'not_found');
    return rec;
  }

  private newRecord(id: string): InstanceRecord {
    return {
      id,
      paths: instancePaths(this.opts.stateDir, id),
      spec: undefined,
      live: undefined,
      liveDone: undefined,
      rest: { power: 'stopped' },
      ring: new ByteRing(this.opts.consoleLogBytes ?? 256 * 1024),
      cgroup: null,
      exitIntent: undefined,
      quiet: 0,
    };
  }

  private async statusOf(rec: InstanceRecord, refresh: boolean): Promise<InstanceStatus> {
    if (rec.live) {
      const power: PowerState = refresh ? await rec.live.refreshPower() : rec.live.power;
      return rec.live.qmp ? { instanceId: rec.id, power } : { instanceId: rec.id, power, reason: 'QMP not connected' };
    }
    const s: InstanceStatus = { instanceId: rec.id, power: rec.rest.power };
    if (rec.rest.reason !== undefined) s.reason = rec.rest.reason;
    return s;
  }

  private emit(e: DriverEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.log.warn({ err: message(err) }, 'driver event listener threw');
      }
    }
  }

  private asDriverError(err: unknown, context: string): DriverError {
    if (err instanceof DriverError) return err;
    return new DriverError(`${context}: ${message(err)}`, 'host_failure');
  }

  private async qmpAction(instanceId: string, what: string, act: (live: LiveQemu) => Promise<void>): Promise<InstanceStatus> {
    await this.ready();
    return this.mutex.run(instanceId, async () => {
      const rec = this.requireRecord(instanceId);
      const live = rec.live;
      if (!live) throw new DriverError(`cannot ${what} ${instanceId}: it is ${rec.rest.power}`, 'invalid_state');
      rec.quiet++;
      try {
        await act(live);
        return await this.statusOf(rec, true);
      } catch (err) {
        throw this.asDriverError(err, `${what} of ${instanceId} failed`);
      } finally {
        rec.quiet--;
      }
    });
  }

  /** Wire a LiveQemu into a record: events, console, cleanup after exit. */
  private attach(rec: InstanceRecord, live: LiveQemu): void {
    rec.live = live;
    rec.liveDone = live.gone.then(() => this.finalize(rec, live));
  }

  private hooksFor(rec: InstanceRecord): { onQmpEvent: (e: QmpEvent) => void; onConsoleData: (d: Buffer) => void } {
    return {
      onQmpEvent: (e) => this.onQmpEvent(rec, e),
      onConsoleData: (data) => this.emit({ kind: 'console', instanceId: rec.id, data }),
    };
  }

  private onQmpEvent(rec: InstanceRecord, e: QmpEvent): void {
    const change = powerChangeFromEvent(e);
    if (!change || change.power === 'stopped') return; // 'stopped' is reported once the process is gone
    if (rec.live) rec.live.power = change.power;
    if (rec.quiet > 0) return;
    this.emit({ kind: 'power', instanceId: rec.id, power: change.power, reason: change.reason });
  }

  /** After the process is gone: release its cgroup and files, record and report why. */
  private async finalize(rec: InstanceRecord, live: LiveQemu): Promise<void> {
    if (rec.live !== live) return;
    await live.detach();
    let oomKills = 0;
    if (rec.cgroup) {
      oomKills = await this.cgroups.oomKills(rec.cgroup);
      await this.cgroups.remove(rec.cgroup);
      rec.cgroup = null;
    }
    await this.removeRuntimeFiles(rec.paths);
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
        this.log.warn({ instanceId: rec.id, err: message(err) }, 'cannot write status.json');
      });
    }
    if (!intent) {
      const e: DriverEvent = { kind: 'power', instanceId: rec.id, power: status.power };
      if (status.reason !== undefined) e.reason = status.reason;
      this.emit(e);
    }
  }

  private async removeRuntimeFiles(paths: InstancePaths): Promise<void> {
    await Promise.all(
      [paths.pidFile, paths.qmpSocket, paths.serialSocket, paths.saveSocket, paths.restoreSocket].map((p) => rm(p, { force: true })),
    );
  }

  /** quit over QMP, then SIGKILL; resolves once the process is gone and cleaned up. */
  private async terminate(rec: InstanceRecord, live: LiveQemu): Promise<void> {
    if (live.qmp) await live.qmp.execute('quit', undefined, { timeoutMs: 2000 }).catch(() => {});
    if (!(await live.waitGone(live.qmp === null ? 0 : QUIT_GRACE_MS))) {
      if (await this.isOurQemu(live.pid, rec.paths)) {
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

  /** Guards against pid reuse: the process must be a QEMU using this instance's QMP socket. */
  private async isOurQemu(pid: number, paths: InstancePaths): Promise<boolean> {
    const argv = await processArgv(pid);
    return argv.some((a) => a.includes(paths.qmpSocket));
  }

  /** Spawn QEMU for spec (fresh boot, or restore from statePath) and wait until it runs. */
  private async launch(requested: InstanceSpec, existing: InstanceRecord | undefined, statePath: string | undefined): Promise<InstanceStatus> {
    const id = requested.instanceId;
    const paths = instancePaths(this.opts.stateDir, id);
    let spec = requested;
    if (statePath !== undefined) {
      // The restored QEMU must have the devices the state was saved with.
      const r = specForRestore(requested, existing?.rest.power === 'saved' ? existing.spec : undefined);
      spec = r.spec;
      for (const note of r.notes) this.log.warn({ instanceId: id }, `restore: ${note}`);
    }
    const accel = await this.accelerator();
    const argv = buildQemuArgv(spec, {
      accel,
      runDir: paths.dir,
      ...(this.opts.machine ? { machine: this.opts.machine } : {}),
      ...(statePath !== undefined ? { incoming: 'defer' } : {}),
    });
    if (statePath !== undefined) {
      try {
        if (!(await stat(statePath)).isFile()) throw new Error('not a regular file');
      } catch (err) {
        throw new DriverError(`restore of ${id} failed: saved state ${statePath}: ${message(err)}`, 'start_failed');
      }
    }
    const dirExisted = await pathExists(paths.dir);
    await mkdir(paths.dir, { recursive: true });
    await this.removeRuntimeFiles(paths);

    const rec = existing ?? this.newRecord(id);
    let cgroup: CgroupPlan | null = null;
    let launched: LaunchedQemu | undefined;
    let live: LiveQemu | undefined;
    rec.quiet++;
    try {
      if (spec.configDrive !== undefined) {
        await buildConfigDrive(spec.configDrive, paths.configDrive, this.opts.genisoimageBinary ? { genisoimage: this.opts.genisoimageBinary } : {});
      } else {
        await removeConfigDrive(paths.configDrive);
      }
      cgroup = await this.cgroups.create(id, cgroupLimitsFor(spec));
      launched = await launchQemu({ qemuBinary: this.qemuBinary, argv, logFile: paths.logFile, procsFiles: cgroup?.procsFiles ?? [] });
      const proc = launched;
      live = new LiveQemu(proc.pid, paths, rec.ring, this.hooksFor(rec), proc.exited);
      const l = live;
      const exitedEarly = proc.exited.then(({ code, signal }) => {
        throw new Error(`QEMU exited during startup (${signal ?? `exit code ${code}`})`);
      });
      exitedEarly.catch(() => {});
      const timeoutMs = this.opts.startTimeoutMs ?? 30_000;
      await Promise.race([l.connectQmp(timeoutMs), exitedEarly]);
      await Promise.race([l.connectConsole(timeoutMs), exitedEarly]);
      await wireTaps(spec.nics, this.opts.ipBinary);
      if (statePath !== undefined) {
        await Promise.race([
          loadGuestState(l.requireQmp(), {
            socketPath: paths.restoreSocket,
            statePath,
            timeoutMs: this.opts.stateTransferTimeoutMs ?? 600_000,
          }),
          exitedEarly,
        ]);
      }
      await l.requireQmp().execute('cont');
      const power = await l.refreshPower();
      if (power !== 'running') throw new Error(`QEMU reports ${power} after cont`);

      await writeJsonAtomic(paths.specFile, spec);
      await rm(paths.statusFile, { force: true });
      rec.spec = spec;
      rec.cgroup = cgroup;
      rec.rest = { power: 'stopped' };
      rec.exitIntent = undefined;
      this.records.set(id, rec);
      this.attach(rec, l);
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
      if (cgroup) await this.cgroups.remove(cgroup);
      const tail = await readLogTail(paths.logFile);
      await this.removeRuntimeFiles(paths);
      await removeConfigDrive(paths.configDrive); // rebuilt at the next start anyway
      if (!dirExisted) await rm(paths.dir, { recursive: true, force: true });
      const what = statePath !== undefined ? 'restore' : 'start';
      throw new DriverError(`${what} of ${id} failed: ${message(err)}${tail ? `\nQEMU said:\n${tail}` : ''}`, 'start_failed');
    } finally {
      rec.quiet--;
    }
  }

  /** First use: pick up every instance directory, re-adopting QEMUs that still run. */
  private async adoptAll(): Promise<void> {
    await mkdir(this.opts.stateDir, { recursive: true });
    const entries = await readdir(this.opts.stateDir, { withFileTypes: true });
    await Promise.all(
      entries
        .filter((e) => e.isDirectory() && INSTANCE_ID_PATTERN.test(e.name))
        .map((e) => this.adoptOne(e.name).catch((err: unknown) => {
          this.log.error({ instanceId: e.name, err: message(err) }, 'cannot re-adopt instance');
        })),
    );
  }

  private async adoptOne(id: string): Promise<void> {
    const paths = instancePaths(this.opts.stateDir, id);
    const spec = await readJson<InstanceSpec>(paths.specFile);
    const pidText = await readFile(paths.pidFile, 'utf8').catch(() => '');
    const pid = Number.parseInt(pidText.trim(), 10);
    const running = Number.isInteger(pid) && (await isProcessAlive(pid)) && (await this.isOurQemu(pid, paths));

    if (!spec) {
      // An agent died in the middle of a first start: finish the undo it could not.
      if (running) {
        process.kill(pid, 'SIGKILL');
        await waitForProcessExit(pid, { timeoutMs: KILL_WAIT_MS });
      }
      const cg = await this.cgroups.existing(id);
      if (cg) await this.cgroups.remove(cg);
      await rm(paths.dir, { recursive: true, force: true });
      this.log.warn({ instanceId: id }, 'removed the remains of an unfinished start');
      return;
    }

    const rec = this.newRecord(id);
    rec.spec = spec;
    const saved = await readJson<RestingStatus>(paths.statusFile);
    if (!running) {
      const cg = await this.cgroups.existing(id);
      if (cg) await this.cgroups.remove(cg);
      await this.removeRuntimeFiles(paths);
      rec.rest = saved ?? { power: 'stopped', reason: 'QEMU process gone' };
      if (!saved) await writeJsonAtomic(paths.statusFile, rec.rest);
      this.records.set(id, rec);
      return;
    }

    rec.cgroup = await this.cgroups.existing(id);
    const live = new LiveQemu(pid, paths, rec.ring, this.hooksFor(rec));
    this.records.set(id, rec);
    this.attach(rec, live);
    try {
      await live.connectQmp(5000);
      await live.refreshPower();
    } catch (err) {
      this.log.warn({ instanceId: id, pid, err: message(err) }, 'QMP of a re-adopted QEMU not reachable yet; retrying in the background');
      live.connectQmpInBackground();
    }
    try {
      await live.connectConsole(2000);
    } catch (err) {
      this.log.warn({ instanceId: id, pid, err: message(err) }, 'serial console of a re-adopted QEMU not reachable');
    }
  }
}
