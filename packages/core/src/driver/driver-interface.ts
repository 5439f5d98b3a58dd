/**
 * The contract every hypervisor driver (qemu, lxc, fake) fulfils on a host. It is checked by one
 * conformance suite run against every driver (packages/driver-conformance; docs/drivers.md).
 *
 * Rules that hold for every method unless its own doc says otherwise:
 * - Resolves only once the new state is observed (QEMU reports it, the process is gone, …).
 * - Rejects with a DriverError (never anything else) whose message is meant for the user; its
 *   code (driver-error.ts) says what happened.
 * - After a rejection the host holds nothing new: multi-step work registers its undo as it goes
 *   and runs it on failure, timeout or cancel (no process, file, tap, cgroup left by the call).
 * - Idempotent: repeating a call after it succeeded is a no-op that succeeds with the same
 *   status (start on a running guest, stop on a stopped one, pause on a paused one, save to the
 *   same state path of a saved one, destroy of one that does not exist).
 * - Calls on one instance are serialised by the driver; calls on different instances may run
 *   concurrently.
 * - Deadlines: every method either finishes within a bound the driver documents (below; the QEMU
 *   driver's are options of QemuDriverOptions) or takes a DriverCallContext whose signal the
 *   caller aborts at its deadline. The agent additionally bounds every call it forwards.
 * - Capability-gated methods (capabilityGatedMethods) reject with code 'unsupported' and change
 *   nothing when capabilities() does not list their capability.
 * - Power events (onEvent) report only changes the driver did not cause itself.
 * - Drivers never touch the database; they get specs and report observations. They keep what
 *   they need to re-adopt guests on the host itself, so a new driver instance (the agent
 *   restarted) lists and drives the guests the previous one started.
 */
import type { DiskLimits, DiskSpec, HostFacts, InstanceSpec, InstanceStatus, DriverEvent } from '../driver.ts';
import type { DriverCallContext } from './driver-call-context.ts';
import type { InstanceCounters } from '../metrics/instance-counters.ts';
import type { DriverCapability } from './driver-capabilities.ts';
import type { GuestDisplayHandlers, GuestDisplayStream } from './guest-display.ts';
import type { GuestInfo } from './guest-agent.ts';
import type { IncomingEndpoint, IncomingOptions, MigrationPolicy, MigrationResult } from './migration.ts';

export interface StopOptions {
  /** true: end the guest at once (kill). false: ask it (ACPI power button), kill after timeoutSec. */
  force: boolean;
  /** The graceful stop's bound, in seconds; the kill after it is bounded by the driver. */
  timeoutSec: number;
}

export interface Driver {
  readonly kind: 'qemu' | 'lxc' | 'fake';

  /**
   * What this driver can do on this host today (see driver-capabilities.ts). Synchronous and
   * constant for the life of the driver instance; the agent sends it in its hello.
   */
  capabilities(): readonly DriverCapability[];

  /** The host's CPU, memory, hypervisor version and accelerator. Read-only; bounded by the driver. */
  facts(): Promise<HostFacts>;

  /**
   * Every instance defined on the host, including ones a previous driver instance started (they
   * are re-adopted on first use, with the power they really have). Read-only.
   */
  list(): Promise<InstanceStatus[]>;

  /** Status of one instance; power 'stopped' with reason 'not defined' when unknown (no error). Read-only. */
  inspect(instanceId: string): Promise<InstanceStatus>;

  /**
   * Define and boot the instance from spec. Resolves { power: 'running' } once the hypervisor
   * reports it running. Idempotent: on a running (or paused) instance it changes nothing and
   * resolves its status. Starts a stopped, crashed or saved instance afresh (a saved state is
   * not loaded: that is restore). Failure: DriverError 'start_failed' carrying the hypervisor's
   * own error, and nothing of the attempt is left (process, taps, cgroup, new files); an
   * instance that existed before keeps its files. Deadline: the driver's start bound (QEMU:
   * startTimeoutMs). A driver that takes ctx here (the fake does; QEMU not yet) also stops at
   * ctx.signal → 'cancelled', leaving nothing, and reports the start's phases to ctx.onProgress.
   */
  start(spec: InstanceSpec, ctx?: DriverCallContext): Promise<InstanceStatus>;

  /**
   * Stop the guest: graceful (ACPI power button, then kill after opts.timeoutSec) or forced.
   * Resolves { power: 'stopped' } once the guest process is gone. Idempotent; unknown instance →
   * 'stopped' with reason 'not defined'. A paused guest is stopped at once (it cannot act on the
   * power button). A saved or crashed instance (nothing runs) becomes 'stopped' at once; a
   * state file is left to its caller. Deadline: opts.timeoutSec plus the driver's kill bound.
   */
  stop(instanceId: string, opts: StopOptions): Promise<InstanceStatus>;

  /**
   * Reset the guest (it boots again in the same process). Resolves { power: 'running' } once the
   * reset is observed. Not idempotent by nature (each call resets), but never fails on a running
   * guest. Unknown → 'not_found'; not running → 'invalid_state'. Deadline: the driver's bound
   * (QEMU: 10 s for the RESET event).
   */
  reboot(instanceId: string): Promise<InstanceStatus>;

  /**
   * Freeze the guest's vCPUs (memory stays). Resolves { power: 'paused' }. Idempotent. Unknown →
   * 'not_found'; not running → 'invalid_state'. Capability: 'pause'. Deadline: driver bound.
   */
  pause(instanceId: string): Promise<InstanceStatus>;

  /** Undo pause. Resolves { power: 'running' }. Idempotent. Capability: 'pause'. Deadline: driver bound. */
  resume(instanceId: string): Promise<InstanceStatus>;

  /**
   * Write the running (or paused) guest's memory and device state to statePath, then end its
   * process (Xen-style save). Resolves { power: 'saved' }. Idempotent for the same statePath.
   * Failure or cancel (ctx.signal → 'cancelled'): the guest keeps running as before (a paused one
   * stays paused) and no state file is left. Unknown → 'not_found'; stopped → 'invalid_state'.
   * Capability: 'save-restore'. Deadline: ctx.signal, and the driver's transfer bound (QEMU:
   * stateTransferTimeoutMs). ctx.onProgress gets the bytes written.
   */
  save(instanceId: string, statePath: string, ctx?: DriverCallContext): Promise<InstanceStatus>;

  /**
   * Start the instance from a state file written by save() (on this host or one with the same
   * hypervisor). Resolves { power: 'running' }. Idempotent while the instance runs. Failure or
   * cancel: as start (nothing left; the state file is kept). Capability: 'save-restore'.
   * Deadline: as save.
   */
  restore(spec: InstanceSpec, statePath: string, ctx?: DriverCallContext): Promise<InstanceStatus>;

  /**
   * Stop (forced) and forget everything about the instance on this host: process, taps, cgroup,
   * its directory and console log (never the disks of the spec, which storage owns). Unknown
   * instance → success. Afterwards inspect() says 'not defined' and list() omits it. Deadline:
   * driver's kill bound.
   */
  destroy(instanceId: string): Promise<void>;

  /**
   * Observed changes the driver did not cause itself (guest poweroff, reset, panic, process
   * crash: reason conventions in power-reason.ts) and console output. Returns the unsubscribe.
   * After an event, inspect() and list() report the same power.
   */
  onEvent(listener: (e: DriverEvent) => void): () => void;

  /** Write bytes to the instance's serial console. Unknown → 'not_found'. Capability: 'serial-console'. */
  consoleWrite(instanceId: string, data: Buffer): Promise<void>;

  /**
   * Recent console output (bounded log, kept across agent restarts while the instance exists).
   * Unknown → 'not_found'. Capability: 'serial-console'.
   */
  consoleLog(instanceId: string): Promise<Buffer>;

  // ---- Disks of a running (or paused) guest. On a stopped or unknown instance each rejects with
  // 'invalid_state' / 'not_found': the caller changes the spec instead, and the next start uses it.

  /**
   * Hot-plug a data disk at disk.pciSlot with disk.serial (QEMU: blockdev-add + device_add).
   * Resolves once the device is on the guest's bus. Idempotent: the same volume already attached
   * at the same slot succeeds. A slot taken by another device → 'invalid_state'. Failure leaves
   * no block node or device behind. Capability: 'hot-attach-disk'. Deadline: driver bound.
   */
  attachDisk(instanceId: string, disk: DiskSpec): Promise<void>;

  /**
   * Hot-unplug a data disk: ask the guest to release it and wait up to opts.timeoutSec for it
   * to (QEMU: device_del, then DEVICE_DELETED), then drop the block node. A guest that does not
   * release it in time → 'timeout', and the disk stays attached and usable. Idempotent: a disk
   * not attached succeeds. Capability: 'hot-attach-disk'.
   */
  detachDisk(instanceId: string, volumeId: string, opts: { timeoutSec: number }): Promise<void>;

  /**
   * Grow an attached disk to sizeBytes while the guest runs (QEMU: block_resize, which also grows
   * the file or RBD image). Shrinking → 'invalid_state', nothing changed. Idempotent for the same
   * size. Capability: 'disk-resize-online'.
   */
  resizeDisk(instanceId: string, volumeId: string, sizeBytes: number): Promise<void>;

  /**
   * Replace the I/O limits of an attached disk while the guest runs ({} = unlimited).
   * Idempotent. Capability: 'disk-qos'.
   */
  setDiskLimits(instanceId: string, volumeId: string, limits: DiskLimits): Promise<void>;

  /**
   * Copy a crash-consistent point-in-time image of a disk of a running (or paused) guest to
   * target.path (QEMU: blockdev-backup, sync full), while the guest goes on writing. Resolves
   * with the bytes written once the copy is complete and flushed. Failure or cancel
   * (ctx.signal → 'cancelled'): no target file is left, the guest is untouched. Progress goes to
   * ctx.onProgress. Capability: 'disk-backup'. Deadline: ctx.signal.
   */
  backupDisk(instanceId: string, volumeId: string, target: { path: string; format: 'qcow2' | 'raw' }, ctx?: DriverCallContext): Promise<{ bytes: number }>;

  /**
   * Insert an ISO into the running guest's CD-ROM drive (replacing what was there) or eject it
   * (iso null). The spec must have had a CD-ROM drive at start. Idempotent. Capability: 'cdrom'.
   */
  changeMedium(instanceId: string, iso: { path: string; imageVersionId: string } | null): Promise<void>;

  // ---- Live migration (migration.ts has the whole flow). Capability 'live-migrate'; a non-empty
  // receiveDisks (local disks copied by the mirror) also needs 'live-migrate-local-disks'.

  /**
   * Target side: define the instance from spec and start it waiting for a migration stream (QEMU:
   * `-incoming defer -S`, migrate-incoming on opts.listenAddress, an NBD server exporting
   * opts.receiveDisks). Resolves the endpoint once it listens; inspect() then says 'incoming'. The
   * copy takes over by itself when the stream completes (NBD server stopped, vCPUs run). Idempotent:
   * an instance already waiting resolves the same endpoint. Failure: 'start_failed' and nothing of
   * the attempt is left. A failed or cancelled stream ends the waiting copy (QEMU exits): the driver
   * removes what it made, and inspect() says 'stopped'. Deadline: the driver's start bound.
   */
  prepareIncoming(spec: InstanceSpec, opts: IncomingOptions, ctx?: DriverCallContext): Promise<IncomingEndpoint>;

  /**
   * Source side: copy the running (or paused) guest to the target's endpoint: local disks first
   * (mirrors to target.nbd until in sync), then memory under policy. ctx.onProgress gets JobProgress
   * with `migration` figures about once a second. Resolves once the stream completed; the source
   * copy is then power 'paused' with reason migratedReason (its QEMU stays, stopped, until destroy()
   * or resume(); resume() runs it again when the target failed to take over). Failure (target gone,
   * mirror error, policy.timeoutMs → 'timeout') or cancel (ctx.signal → 'cancelled'): the mirrors
   * and the stream are cancelled and the guest runs on the source as before. Unknown → 'not_found';
   * not running or paused → 'invalid_state'. Deadline: policy.timeoutMs and ctx.signal.
   */
  migrate(instanceId: string, target: IncomingEndpoint, policy: MigrationPolicy, ctx?: DriverCallContext): Promise<MigrationResult>;

  /**
   * Target side, after migrate() resolved on the source: wait (up to timeoutMs) until the incoming
   * copy runs, and resolve its status ({ power: 'running' }). Idempotent on a running instance. The
   * copy failed or vanished → 'start_failed' (the caller resumes the source); not there → 'not_found'.
   */
  finishIncoming(instanceId: string, opts: { timeoutMs: number }): Promise<InstanceStatus>;

  /** Release timers, sockets and watchers; never stops guests (a new driver re-adopts them). */
  close(): Promise<void>;

  /**
   * Optional (metrics): cumulative counters of every running or paused instance — CPU time, memory
   * held, per-disk and per-NIC I/O — read now. Read-only and cheap (the agent calls it every sample
   * interval, 10 s by default): no guest is touched. An instance whose counters cannot be read
   * right now (starting, stopping) is left out, never an error for the others. Rejects only when
   * the host itself cannot be read. Drivers without it report no instance metrics.
   */
  sampleInstances?(): Promise<InstanceCounters[]>;

  // ---- Optional: the graphical console (capability 'graphical-console'). A guest without a display
  // (spec.graphicalConsole false, or a directly booted kernel by default) → 'invalid_state'.

  /**
   * Connect to the running (or paused) guest's display server (QEMU: its VNC server's Unix socket)
   * and relay bytes both ways. Each call is its own connection (several viewers may watch). Unknown →
   * 'not_found'; not running → 'invalid_state'. Resolves once connected; bounded by the driver.
   */
  openDisplay?(instanceId: string, handlers: GuestDisplayHandlers): Promise<GuestDisplayStream>;

  /** The guest's screen now, as a PNG (QEMU: screendump). Read-only. Errors as openDisplay. */
  screenshot?(instanceId: string): Promise<Buffer>;

  // ---- Optional: the guest agent (spec.guest.guestAgent). Every call is bounded by the driver's guest
  // agent timeout on its injected clock: an agent that does not answer → 'timeout', never a hang.
  // A guest started without the agent channel → 'unsupported'; not running → 'invalid_state'.

  /** The guest's OS and network interfaces as its agent reports them. Read-only. */
  guestInfo?(instanceId: string): Promise<GuestInfo>;

  /** Set a guest user's password through the agent (guest-set-user-password). Idempotent. */
  setGuestPassword?(instanceId: string, user: string, password: string): Promise<void>;
}
