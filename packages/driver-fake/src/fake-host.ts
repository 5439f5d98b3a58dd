/**
 * The in-memory "machine" under fake drivers. It outlives a FakeDriver the way a real host
 * outlives its agent: construct a new FakeDriver over the same FakeHost (the agent restarted) and
 * it lists and drives the guests the previous one started. It also keeps what a real host would
 * hold for each guest — directory, process, NICs, state files — as named artifacts, so tests can
 * check that failed work leaves nothing behind.
 */
import type { DriverEvent, InstanceSpec, PowerState } from '@kumo/core';

export interface FakeGuest {
  spec: InstanceSpec;
  power: PowerState;
  reason?: string;
  /** Console output so far (chunks) and the line being typed. */
  console: string[];
  line: string;
  /** The console shell's variables (part of the guest's memory: save and restore keep them). */
  env: Record<string, string>;
  /** Where save() wrote this guest's state, while it is 'saved'. */
  statePath?: string;
  /** The block devices the guest sees (its /sys/block): set at boot, changed by disk hot-plug. */
  devices: FakeBlockDevice[];
  /** The guest ignores unplug requests (detachDisk then times out), as a guest without hot-plug support would. */
  holdsDisks?: boolean;
}

export interface FakeBlockDevice { volumeId: string; serial: string; pciSlot: number; sizeBytes: number }

/** What a fake backup wrote: the disk as it was. */
export interface FakeBackup { volumeId: string; serial: string; sizeBytes: number; format: 'qcow2' | 'raw'; data?: string }

/** What a saved state file holds: the guest's memory, i.e. its console and shell as they were. */
export interface FakeStateFile { instanceId: string; console: string[]; line: string; env: Record<string, string> }

export class FakeHost {
  readonly guests = new Map<string, FakeGuest>();
  readonly stateFiles = new Map<string, FakeStateFile>();
  /** Disk files (path, or an RBD disk's label) and their size in bytes: what storage made on this host. */
  readonly diskFiles = new Map<string, number>();
  /** What guests wrote at the start of a disk file (FakeDriver.guestWritesDisk), by path. */
  readonly diskData = new Map<string, string>();
  /** Backup files written by backupDisk, by target path (each also an artifact `file:<path>`). */
  readonly backups = new Map<string, FakeBackup>();
  /** Host objects: `dir:<id>`, `process:<id>`, `nic:<id>/<nicId>`, `file:<path>`. */
  readonly artifacts = new Set<string>();
  private readonly sinks = new Set<(e: DriverEvent) => void>();

  constructor(readonly hostname: string) {}

  /** Sorted artifacts, to compare before and after a call. */
  snapshot(): string[] {
    return [...this.artifacts].sort();
  }

  /** Adds artifact; returns its undo (which removes it only if this call added it). */
  add(artifact: string): () => void {
    if (this.artifacts.has(artifact)) return () => {};
    this.artifacts.add(artifact);
    return () => { this.artifacts.delete(artifact); };
  }

  /** Removes artifact; returns its undo. */
  remove(artifact: string): () => void {
    if (!this.artifacts.delete(artifact)) return () => {};
    return () => { this.artifacts.add(artifact); };
  }

  /** The guest's process and NIC artifacts (what ends when the guest stops). */
  runtimeArtifacts(id: string): string[] {
    return [...this.artifacts].filter((a) => a === `process:${id}` || a.startsWith(`nic:${id}/`));
  }

  /** Disk files that are gone (a lost pool, a deleted file): attaching them fails as QEMU's blockdev-add would. */
  readonly lostDiskFiles = new Set<string>();

  /** A disk file as storage would make it, with its size (disks of unknown files count as 0 bytes). */
  addDiskFile(path: string, sizeBytes: number): void {
    this.diskFiles.set(path, sizeBytes);
    this.lostDiskFiles.delete(path);
  }

  /** The disk file at path is gone: attaching it fails. */
  loseDiskFile(path: string): void {
    this.diskFiles.delete(path);
    this.lostDiskFiles.add(path);
  }

  /** Every artifact of the guest except state files (which belong to their caller). */
  instanceArtifacts(id: string): string[] {
    return [...this.artifacts].filter((a) => a === `dir:${id}` || a === `process:${id}` || a.startsWith(`nic:${id}/`));
  }

  /** Drivers over this host subscribe here; events reach whichever driver is running now. */
  subscribe(sink: (e: DriverEvent) => void): () => void {
    this.sinks.add(sink);
    return () => { this.sinks.delete(sink); };
  }

  emit(e: DriverEvent): void {
    for (const s of [...this.sinks]) s(e);
  }

  /** The guest powers itself off, as `poweroff` inside it would. Unknown or not running: no-op. */
  guestPoweroff(id: string): void {
    this.guestExit(id, 'stopped', 'guest-shutdown');
  }

  /** The guest's process dies behind the driver's back. */
  guestCrash(id: string): void {
    this.guestExit(id, 'crashed', 'process exited unexpectedly');
  }

  private guestExit(id: string, power: PowerState, reason: string): void {
    const g = this.guests.get(id);
    if (!g || (g.power !== 'running' && g.power !== 'paused')) return;
    g.power = power;
    g.reason = reason;
    for (const a of this.runtimeArtifacts(id)) this.artifacts.delete(a);
    this.emit({ kind: 'power', instanceId: id, power, reason });
  }

  /** Everything on the host is lost (the machine rebooted and its disks were replaced). */
  wipe(): void {
    this.guests.clear();
    this.stateFiles.clear();
    this.diskFiles.clear();
    this.lostDiskFiles.clear();
    this.diskData.clear();
    this.backups.clear();
    this.artifacts.clear();
  }
}
