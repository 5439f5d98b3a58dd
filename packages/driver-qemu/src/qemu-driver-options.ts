/** How a QemuDriver is set up (see the package README for the defaults' reasons). */
import type { Clock } from '@kumo/core';
import type { DriverLogger } from './driver-logger.ts';

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
  /**
   * Console log bound per instance: console.log and console.log.1 in the instance
   * directory hold up to this many bytes each, and consoleLog() returns the last
   * this many bytes. Default 256 KiB.
   */
  consoleLogBytes?: number;
  /** Until QMP answers after spawning QEMU. Default 30 s. */
  startTimeoutMs?: number;
  /** Limit for save/restore streams. Default 10 min. */
  stateTransferTimeoutMs?: number;
  /**
   * Bandwidth of a save's memory stream in bytes per second, so that saving many guests at once
   * does not starve the host's disk. Default: unlimited (64 GiB/s).
   */
  saveBandwidthBytesPerSec?: number;
  /** Default 'ip'. */
  ipBinary?: string;
  /** Builds config drives. Default 'genisoimage' (Debian package genisoimage). */
  genisoimageBinary?: string;
  logger?: DriverLogger;
  /** Timers of the disk calls (detachDisk's wait for the guest, backup progress polls). Default: real time. */
  clock?: Clock;
  /** Default 'qemu-img' (creates backup targets). */
  qemuImgBinary?: string;
  /** Where QEMU's block modules are, to tell whether the rbd driver is installed. Default: Debian's /usr/lib/x86_64-linux-gnu/qemu. */
  qemuModuleDir?: string;
  /** Where OVMF's 4 MiB builds are (UEFI guests). Default Debian's /usr/share/OVMF. */
  ovmfDir?: string;
  /** Default 'swtpm' (Debian package swtpm; TPM guests). */
  swtpmBinary?: string;
}
