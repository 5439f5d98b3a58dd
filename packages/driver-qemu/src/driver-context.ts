/**
 * What the parts of the QEMU driver share: options, the per-instance records, event
 * listeners, the per-instance mutex and the cgroup manager. QemuDriver (the public
 * facade) owns one; instance-launch, instance-actions, instance-adoption,
 * instance-attach and instance-console work on it.
 */
import { DriverError, KeyedMutex, migratedReason, systemClock, type Clock, type DriverEvent, type InstanceStatus, type PowerState } from '@kumo/core';
import { CgroupManager } from './cgroup-manager.ts';
import { ConsoleLog } from './console-log.ts';
import { consoleLogLimit } from './console-log-rotation.ts';
import { stderrLogger, type DriverLogger } from './driver-logger.ts';
import { instancePaths } from './instance-paths.ts';
import type { InstanceRecord } from './instance-record.ts';

import { findOvmf } from './host-firmware.ts';
import { probeAccelerator } from './kvm-probe.ts';
import type { OvmfFiles } from './qemu-argv-guest.ts';
import type { QemuDriverOptions } from './qemu-driver-options.ts';

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function asDriverError(err: unknown, context: string): DriverError {
  if (err instanceof DriverError) return err;
  return new DriverError(`${context}: ${errorMessage(err)}`, 'host_failure');
}

export class DriverContext {
  readonly records = new Map<string, InstanceRecord>();
  readonly listeners = new Set<(e: DriverEvent) => void>();
  readonly mutex = new KeyedMutex();
  readonly cgroups: CgroupManager;
  readonly log: DriverLogger;
  readonly qemuBinary: string;
  readonly consoleLogBytes: number;
  readonly clock: Clock;
  private accelPromise: Promise<'kvm' | 'tcg'> | undefined;
  private ovmfPromise: Promise<OvmfFiles | undefined> | undefined;

  constructor(readonly opts: QemuDriverOptions) {
    this.log = opts.logger ?? stderrLogger;
    this.qemuBinary = opts.qemuBinary ?? 'qemu-system-x86_64';
    this.consoleLogBytes = consoleLogLimit(opts.consoleLogBytes);
    this.clock = opts.clock ?? systemClock;
    this.cgroups = new CgroupManager(opts.cgroupRoot ?? '/sys/fs/cgroup', opts.cgroupParent ?? 'kumo', this.log);
  }

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

  /** This host's OVMF files (looked up once); undefined without the ovmf package. */
  ovmf(): Promise<OvmfFiles | undefined> {
    this.ovmfPromise ??= findOvmf(this.opts.ovmfDir);
    return this.ovmfPromise;
  }

  emit(e: DriverEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'driver event listener threw');
      }
    }
  }

  newRecord(id: string): InstanceRecord {
    const paths = instancePaths(this.opts.stateDir, id);
    return {
      id,
      paths,
      spec: undefined,
      live: undefined,
      liveDone: undefined,
      rest: { power: 'stopped' },
      console: new ConsoleLog({ live: paths.consoleLog, older: paths.consoleLogOlder }, this.consoleLogBytes, this.log, id),
      cgroup: null,
      exitIntent: undefined,
      quiet: 0,
    };
  }

  requireRecord(instanceId: string): InstanceRecord {
    const rec = this.records.get(instanceId);
    if (!rec) throw new DriverError(`instance ${instanceId} is not defined on this host`, 'not_found');
    return rec;
  }

  async statusOf(rec: InstanceRecord, refresh: boolean): Promise<InstanceStatus> {
    if (rec.live) {
      let power: PowerState = refresh ? await rec.live.refreshPower() : rec.live.power;
      if (rec.incoming?.state === 'waiting' && power !== 'running') power = 'incoming';
      if (rec.migratedAway && power === 'paused') return { instanceId: rec.id, power, reason: migratedReason };
      return rec.live.qmp ? { instanceId: rec.id, power } : { instanceId: rec.id, power, reason: 'QMP not connected' };
    }
    const s: InstanceStatus = { instanceId: rec.id, power: rec.rest.power };
    if (rec.rest.reason !== undefined) s.reason = rec.rest.reason;
    return s;
  }
}
