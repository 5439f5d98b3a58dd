/**
 * The QEMU driver: one QEMU process per instance, driven over QMP. This file is the
 * public facade; the work is done by:
 *   instance-launch.ts    start / restore (spawn, wait until running, undo on failure)
 *   instance-actions.ts   stop, pause, resume, reboot, save, destroy
 *   instance-terminate.ts quit, then SIGKILL
 *   instance-adoption.ts  re-adoption of running QEMUs by a new driver
 *   instance-attach.ts    events from a live QEMU, cleanup once it is gone
 *   instance-console.ts   console input and the durable console log
 *   driver-context.ts     the state those share
 *
 * State on disk, per instance, in <stateDir>/<instanceId>/ (see instance-paths.ts):
 * spec.json (written after a successful start), status.json (power of a guest that
 * is not running), qemu.pid, qmp.sock, serial.sock, qemu.log, console.log and
 * console.log.1 (serial output, written by QEMU, bounded by the driver),
 * cidata.iso (the config drive, rebuilt from spec.configDrive at every start and
 * restore). QEMU processes run detached and outlive the agent; a new QemuDriver on
 * the same stateDir re-adopts them (pidfile + command line check + QMP) on first use.
 *
 * Guarantees (see @kumo/core Driver):
 * - every call resolves once QEMU (or /proc) shows the new state;
 * - a failed start leaves nothing behind (process, cgroup, taps, new directory) and
 *   its DriverError carries the tail of QEMU's own stderr;
 * - power events are emitted only for changes the driver did not cause itself
 *   (guest poweroff or reboot, QEMU crash or OOM kill, pause on I/O error).
 */
import {
  DriverError, type DiskLimits, type DiskSpec, type Driver, type DriverCallContext, type DriverCapability, type DriverEvent, type HostFacts, type InstanceSpec, type InstanceStatus,
} from '@kumo/core';
import type { InstanceCounters } from '@kumo/core';
import { sampleQemuInstances } from './instance-metrics.ts';
import { DriverContext } from './driver-context.ts';
import { readHostFacts } from './host-facts.ts';
import { destroyInstance, pauseInstance, rebootInstance, resumeInstance, saveInstance, stopInstance } from './instance-actions.ts';
import { adoptAll } from './instance-adoption.ts';
import { readConsoleLog, writeConsole } from './instance-console.ts';
import { checkInstanceId, startInstance } from './instance-launch.ts';
import { INSTANCE_ID_PATTERN } from './instance-paths.ts';
import type { QemuDriverOptions } from './qemu-driver-options.ts';

export type { QemuDriverOptions } from './qemu-driver-options.ts';

/**
 * What the QEMU driver does today. Live migration, hot-plug and a graphical console come with
 * later work; their capabilities are claimed when their methods exist and are tested.
 */
export const qemuDriverCapabilities: readonly DriverCapability[] = ['save-restore', 'pause', 'serial-console'];

export class QemuDriver implements Driver {
  readonly kind = 'qemu' as const;
  private readonly ctx: DriverContext;
  private loaded: Promise<void> | undefined;
  private closed = false;

  constructor(opts: QemuDriverOptions) {
    this.ctx = new DriverContext(opts);
  }

  // ---- Driver interface ---------------------------------------------------

  capabilities(): readonly DriverCapability[] {
    return qemuDriverCapabilities;
  }

  async facts(): Promise<HostFacts> {
    return readHostFacts(this.ctx.qemuBinary, await this.accelerator());
  }

  async list(): Promise<InstanceStatus[]> {
    await this.ready();
    return Promise.all([...this.ctx.records.values()].map((r) => this.ctx.statusOf(r, true)));
  }

  async inspect(instanceId: string): Promise<InstanceStatus> {
    await this.ready();
    const rec = this.ctx.records.get(instanceId);
    if (!rec) return { instanceId, power: 'stopped', reason: 'not defined' };
    return this.ctx.statusOf(rec, true);
  }

  async start(spec: InstanceSpec, job?: DriverCallContext): Promise<InstanceStatus> {
    checkInstanceId(spec.instanceId, 'start_failed');
    await this.ready();
    return startInstance(this.ctx, spec, undefined, job);
  }

  async restore(spec: InstanceSpec, statePath: string, job?: DriverCallContext): Promise<InstanceStatus> {
    checkInstanceId(spec.instanceId, 'start_failed');
    await this.ready();
    return startInstance(this.ctx, spec, statePath, job);
  }

  async stop(instanceId: string, opts: { force: boolean; timeoutSec: number }): Promise<InstanceStatus> {
    await this.ready();
    return stopInstance(this.ctx, instanceId, opts);
  }

  async pause(instanceId: string): Promise<InstanceStatus> {
    await this.ready();
    return pauseInstance(this.ctx, instanceId);
  }

  async resume(instanceId: string): Promise<InstanceStatus> {
    await this.ready();
    return resumeInstance(this.ctx, instanceId);
  }

  async reboot(instanceId: string): Promise<InstanceStatus> {
    await this.ready();
    return rebootInstance(this.ctx, instanceId);
  }

  async save(instanceId: string, statePath: string, job?: DriverCallContext): Promise<InstanceStatus> {
    await this.ready();
    return saveInstance(this.ctx, instanceId, statePath, job);
  }

  async destroy(instanceId: string): Promise<void> {
    if (!INSTANCE_ID_PATTERN.test(instanceId)) return; // cannot exist
    await this.ready();
    await destroyInstance(this.ctx, instanceId);
  }

  onEvent(listener: (e: DriverEvent) => void): () => void {
    this.ctx.listeners.add(listener);
    return () => this.ctx.listeners.delete(listener);
  }

  async consoleWrite(instanceId: string, data: Buffer): Promise<void> {
    await this.ready();
    await writeConsole(this.ctx, instanceId, data);
  }

  async consoleLog(instanceId: string): Promise<Buffer> {
    await this.ready();
    return readConsoleLog(this.ctx, instanceId);
  }

  // ---- disks of a running guest: not built yet; the capabilities do not claim them ----
  async attachDisk(_instanceId: string, _disk: DiskSpec): Promise<void> { throw notYet('attachDisk', 'hot-attach-disk'); }
  async detachDisk(_instanceId: string, _volumeId: string, _opts: { timeoutSec: number }): Promise<void> { throw notYet('detachDisk', 'hot-attach-disk'); }
  async resizeDisk(_instanceId: string, _volumeId: string, _sizeBytes: number): Promise<void> { throw notYet('resizeDisk', 'disk-resize-online'); }
  async setDiskLimits(_instanceId: string, _volumeId: string, _limits: DiskLimits): Promise<void> { throw notYet('setDiskLimits', 'disk-qos'); }
  async backupDisk(_instanceId: string, _volumeId: string, _target: { path: string; format: 'qcow2' | 'raw' }, _ctx?: DriverCallContext): Promise<{ bytes: number }> { throw notYet('backupDisk', 'disk-backup'); }
  async changeMedium(_instanceId: string, _iso: { path: string; imageVersionId: string } | null): Promise<void> { throw notYet('changeMedium', 'cdrom'); }

  /** Lets go of every QEMU (they keep running) and stops touching their files. */
  async close(): Promise<void> {
    this.closed = true;
    await this.loaded?.catch(() => {});
    await Promise.all([...this.ctx.records.values()].map(async (r) => {
      await r.live?.detach();
      await r.console.unwatch();
    }));
    this.ctx.listeners.clear();
  }

  // ---- extras beyond the Driver interface ---------------------------------

  /** The accelerator guests get: the configured one, or the probe's answer for 'auto'. */
  accelerator(): Promise<'kvm' | 'tcg'> {
    return this.ctx.accelerator();
  }

  /** PID of the instance's QEMU, if running. */
  pidOf(instanceId: string): number | undefined {
    return this.ctx.records.get(instanceId)?.live?.pid;
  }

  // ---- internals -----------------------------------------------------------

  private ready(): Promise<void> {
    if (this.closed) return Promise.reject(new DriverError('the QEMU driver is closed', 'host_failure'));
    this.loaded ??= adoptAll(this.ctx);
    return this.loaded;
  }

  sampleInstances(): Promise<InstanceCounters[]> { return this.ready().then(() => sampleQemuInstances(this.ctx.records.values())); }
}

function notYet(method: string, capability: string): DriverError {
  return new DriverError(`${method} needs capability ${capability}, which this driver does not have`, 'unsupported');
}
