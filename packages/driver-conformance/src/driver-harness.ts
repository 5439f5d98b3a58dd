/** What a driver brings to the conformance suite: how to make it, a bootable guest, and how to look at its host. */
import type { DiskSpec, Driver, InstanceSpec, MigrationPolicy } from '@kumo/core';

export interface DriverHarness<D extends Driver = Driver> {
  /**
   * A new driver instance over the harness's host. The first call sets the host up; every later
   * call is "the agent restarted": a new driver over the same host state (files, processes).
   */
  newDriver(): Promise<D>;
  /** A spec for a bootable guest whose serial console runs a shell; `name` is unique within the run. */
  guestSpec(name: string): Promise<InstanceSpec>;
  /** A spec whose start fails on this host after some of the start's work (a missing disk, an injected fault). */
  failingSpec(driver: D): Promise<InstanceSpec>;
  /** The booted guest powers itself off from the inside (`poweroff`). */
  guestPowerOff(driver: D, instanceId: string): Promise<void>;
  /** Everything the host holds for guests (files, processes, taps, cgroups), as comparable names. */
  hostResidue(): Promise<string[]>;
  /** Where a state file for save() goes, and whether one is there. */
  statePath(name: string): string;
  stateFileExists(path: string): Promise<boolean>;
  /** Printed once on the console each time the guest has booted (the tiny image's `KUMO-BOOT-OK`). */
  bootMarker: string;
  /** Bounds for waiting on the guest: a boot, and a console answer or event. */
  bootTimeoutMs: number;
  answerTimeoutMs: number;
  /** Graceful stop's timeoutSec for this guest (long enough to answer the power button). */
  stopTimeoutSec: number;
  /**
   * A driver over the same host claiming no capabilities, for drivers whose capability set is
   * configurable: the gated-method case runs with it. Omitted for drivers with a fixed set.
   */
  driverWithoutCapabilities?(): Promise<D>;
  /**
   * Make the next save slow enough to cancel mid-way. Present only when the driver's save honours
   * DriverCallContext.signal; without it the save-cancel case is not registered (say so in the test file).
   */
  slowDownSave?(driver: D): Promise<void>;
  /** Likewise for start: make the next start slow enough to cancel mid-way. */
  slowDownStart?(driver: D): Promise<void>;
  /** Removes everything the run left on the host (after the suite has destroyed its guests). */
  cleanup(): Promise<void>;
  /**
   * How to make and look at disks, backups and ISOs, for the disk and CD-ROM cases (cases-disks.ts).
   * Required when the driver claims 'hot-attach-disk'; omitted, those cases are not registered.
   */
  disks?: DiskHarness<D>;
  /**
   * A second host for the live-migration cases (cases-migration.ts). Omitted: a driver claiming
   * 'live-migrate' has those cases skipped (with that reason); one without it must refuse them.
   */
  migration?: MigrationHarness<D>;
}

/** The second host of the live-migration cases: storage is shared (the same spec runs on both). */
export interface MigrationHarness<D extends Driver = Driver> {
  /** A driver over another host; the suite closes it (its guests are destroyed first). */
  otherHost(): Promise<D>;
  /** The address the other host's driver listens on (loopback in tests). */
  listenAddress: string;
  /** A policy under which migrating the guest takes long enough to cancel; omitted: the cancel case is not registered. */
  slowPolicy?: MigrationPolicy;
}

/** The guest's own view of its disks, and the host's files behind them. */
export interface DiskHarness<D extends Driver = Driver> {
  /** A new, empty data disk of sizeBytes at pciSlot, as storage would make it on this host. */
  dataDisk(name: string, sizeBytes: number, pciSlot: number): Promise<DiskSpec>;
  /** The disks the running guest itself lists (serial and size), e.g. /sys/block read through its console. */
  guestDisks(driver: D, instanceId: string): Promise<Array<{ serial: string; sizeBytes: number }>>;
  /** From inside the guest: write text at the start of the disk with this serial, and sync. */
  writeFromGuest(driver: D, instanceId: string, serial: string, text: string): Promise<void>;
  /** Whether the backup file starts with text (what the guest wrote before the backup). */
  backupStartsWith(backupPath: string, text: string): Promise<boolean>;
  /**
   * Whether the backup has the same blocks as the disk. Asked once the disk is detached: a live
   * qcow2 read from outside its QEMU misses what QEMU has not written back yet.
   */
  backupMatches(disk: DiskSpec, backupPath: string): Promise<boolean>;
  /** Where a backup goes (a path the caller owns), and whether a file is there. */
  backupPath(name: string): string;
  fileExists(path: string): Promise<boolean>;
  /** An ISO image file on the host. */
  iso(name: string): Promise<{ path: string; imageVersionId: string }>;
  /** What the hypervisor has in the guest's CD-ROM drive: the ISO's path, or null when empty. */
  cdromMedium(driver: D, instanceId: string): Promise<string | null>;
  /** Make the next backup slow enough to cancel mid-way; omitted: the backup-cancel case is not registered. */
  slowDownBackup?(driver: D): Promise<void>;
}
