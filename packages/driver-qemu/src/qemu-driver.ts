/**
 * The QEMU driver: one QEMU process per instance, driven over QMP. This file is the
 * public facade; the work is done by:
 *   instance-launch.ts    start / restore (spawn, wait until running, undo on failure)
 *   instance-actions.ts   stop, pause, resume, reboot, save, destroy
 *   instance-terminate.ts quit, then SIGKILL
 *   instance-adoption.ts  re-adoption of running QEMUs by a new driver
 *   instance-attach.ts    events from a live QEMU, cleanup once it is gone
 *   instance-console.ts   console input and the durable console log
 *   instance-disks.ts     hot-plug, unplug, resize and limits of data disks
 *   instance-disk-backup.ts  blockdev-backup of a disk of a running guest
 *   instance-cdrom.ts     CD-ROM media change
 *   instance-display.ts   graphical console (VNC relay) and screenshots
 *   instance-guest-agent.ts  qemu-guest-agent: guest info, set-password, freeze/thaw, shutdown
 *   migration/            live migration: incoming.ts (target), migrate-source.ts (source)
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
  DriverError, type DiskLimits, type DiskSpec, type Driver, type DriverCallContext, type DriverCapability, type DriverEvent, type GuestDisplayHandlers, type GuestDisplayStream, type GuestInfo, type HostFacts, type InstanceSpec, type InstanceStatus,
} from '@kumo/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingEndpoint, IncomingOptions, InstanceCounters, MigrationPolicy, MigrationResult } from '@kumo/core';
import { finishIncoming, prepareIncoming } from './migration/incoming.ts';
import { migrateInstance } from './migration/migrate-source.ts';
import { sampleQemuInstances } from './instance-metrics.ts';
import { DriverContext } from './driver-context.ts';
import { changeMedium } from './instance-cdrom.ts';
import { openDisplay, screenshot } from './instance-display.ts';
import { guestInfo, setGuestPassword } from './instance-guest-agent.ts';
import { backupDisk } from './instance-disk-backup.ts';
import { attachDisk, detachDisk, resizeDisk, setDiskLimits } from './instance-disks.ts';
import { readHostFacts } from './host-facts.ts';
import { destroyInstance, pauseInstance, rebootInstance, resumeInstance, saveInstance, stopInstance } from './instance-actions.ts';
import { adoptAll } from './instance-adoption.ts';
import { readConsoleLog, writeConsole } from './instance-console.ts';
import { checkInstanceId, startInstance } from './instance-launch.ts';
import { INSTANCE_ID_PATTERN } from './instance-paths.ts';
import type { QemuDriverOptions } from './qemu-driver-options.ts';

export type { QemuDriverOptions } from './qemu-driver-options.ts';

/**
 * What the QEMU driver does on every host. NIC hot-plug comes with later work; their capabilities are claimed when their methods exist and are tested.
 * 'rbd' is added per host when QEMU's rbd block driver is installed (qemuRbdInstalled).
 */
export const qemuDriverCapabilities: readonly DriverCapability[] = [
  'save-restore', 'pause', 'serial-console', 'hot-attach-disk', 'disk-resize-online', 'disk-qos', 'disk-backup', 'cdrom',
  'live-migrate', 'live-migrate-local-disks', 'graphical-console',
];

/** Debian's QEMU loads its rbd block driver from a module (package qemu-block-extra). */
export function qemuRbdInstalled(moduleDir = '/usr/lib/x86_64-linux-gnu/qemu'): boolean {
  return existsSync(join(moduleDir, 'block-rbd.so'));
}

export class QemuDriver implements Driver {
  readonly kind = 'qemu' as const;
  private readonly ctx: DriverContext;
  private loaded: Promise<void> | undefined;
  private closed = false;
  private readonly caps: readonly DriverCapability[];

  constructor(opts: QemuDriverOptions) {
    this.ctx = new DriverContext(opts);
    this.caps = qemuRbdInstalled(opts.qemuModuleDir) ? [...qemuDriverCapabilities, 'rbd'] : qemuDriverCapabilities;
  }

  // ---- Driver interface ---------------------------------------------------

  capabilities(): readonly DriverCapability[] {
    return this.caps;
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
    this.requireRbdFor(spec, 'start_failed');
    await this.ready();
    return startInstance(this.ctx, spec, undefined, job);
  }

  async restore(spec: InstanceSpec, statePath: string, job?: DriverCallContext): Promise<InstanceStatus> {
    checkInstanceId(spec.instanceId, 'start_failed');
    this.requireRbdFor(spec, 'start_failed');
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

  // ---- disks and CD-ROM of a running guest (instance-disks.ts, instance-disk-backup.ts, instance-cdrom.ts) ----

  async attachDisk(instanceId: string, disk: DiskSpec): Promise<void> {
    if (disk.rbd) this.requireRbdFor({ disks: [disk] }, 'unsupported');
    await this.ready();
    await attachDisk(this.ctx, instanceId, disk);
  }

  async detachDisk(instanceId: string, volumeId: string, opts: { timeoutSec: number }): Promise<void> {
    await this.ready();
    await detachDisk(this.ctx, instanceId, volumeId, opts);
  }

  async resizeDisk(instanceId: string, volumeId: string, sizeBytes: number): Promise<void> {
    await this.ready();
    await resizeDisk(this.ctx, instanceId, volumeId, sizeBytes);
  }

  async setDiskLimits(instanceId: string, volumeId: string, limits: DiskLimits): Promise<void> {
    await this.ready();
    await setDiskLimits(this.ctx, instanceId, volumeId, limits);
  }

  async backupDisk(instanceId: string, volumeId: string, target: { path: string; format: 'qcow2' | 'raw' }, job?: DriverCallContext): Promise<{ bytes: number }> {
    await this.ready();
    return backupDisk(this.ctx, instanceId, volumeId, target, job);
  }

  async changeMedium(instanceId: string, iso: { path: string; imageVersionId: string } | null): Promise<void> {
    await this.ready();
    await changeMedium(this.ctx, instanceId, iso);
  }

  // ---- graphical console and guest agent (instance-display.ts, instance-guest-agent.ts) ----

  async openDisplay(instanceId: string, handlers: GuestDisplayHandlers): Promise<GuestDisplayStream> {
    await this.ready();
    return openDisplay(this.ctx, instanceId, handlers);
  }

  async screenshot(instanceId: string): Promise<Buffer> {
    await this.ready();
    return screenshot(this.ctx, instanceId);
  }

  async guestInfo(instanceId: string): Promise<GuestInfo> {
    await this.ready();
    return guestInfo(this.ctx, instanceId);
  }

  async setGuestPassword(instanceId: string, user: string, password: string): Promise<void> {
    await this.ready();
    await this.ctx.mutex.run(instanceId, () => setGuestPassword(this.ctx, instanceId, user, password));
  }

  // ---- live migration (migration/) -----------------------------------------

  async prepareIncoming(spec: InstanceSpec, opts: IncomingOptions, job?: DriverCallContext): Promise<IncomingEndpoint> {
    checkInstanceId(spec.instanceId, 'start_failed');
    this.requireRbdFor(spec, 'start_failed');
    await this.ready();
    return prepareIncoming(this.ctx, spec, opts, job);
  }

  async migrate(instanceId: string, target: IncomingEndpoint, policy: MigrationPolicy, job?: DriverCallContext): Promise<MigrationResult> {
    await this.ready();
    return migrateInstance(this.ctx, instanceId, target, policy, job);
  }

  async finishIncoming(instanceId: string, opts: { timeoutMs: number }): Promise<InstanceStatus> {
    await this.ready();
    return finishIncoming(this.ctx, instanceId, opts);
  }

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

  /** RBD disks need QEMU's rbd block driver; without it QEMU's own error would say only "Unknown driver". */
  private requireRbdFor(spec: Pick<InstanceSpec, 'disks' | 'root'>, code: 'start_failed' | 'unsupported'): void {
    const disks = spec.root?.kind === 'disk' ? [spec.root.disk, ...spec.disks] : spec.disks;
    const rbd = disks.find((d) => d.rbd !== undefined);
    if (rbd && !this.caps.includes('rbd')) {
      throw new DriverError(`disk ${rbd.volumeId} is an RBD image, and this host's QEMU has no rbd block driver (install the Debian package qemu-block-extra)`, code);
    }
  }

  private ready(): Promise<void> {
    if (this.closed) return Promise.reject(new DriverError('the QEMU driver is closed', 'host_failure'));
    this.loaded ??= adoptAll(this.ctx);
    return this.loaded;
  }

  sampleInstances(): Promise<InstanceCounters[]> { return this.ready().then(() => sampleQemuInstances(this.ctx.records.values())); }
}

