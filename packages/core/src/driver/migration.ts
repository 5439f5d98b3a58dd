/**
 * Live migration in the driver contract (driver-interface.ts: prepareIncoming, migrate,
 * finishIncoming). The flow, driven by the server through the two hosts' agents:
 *
 *   target: prepareIncoming(spec, opts)  → an endpoint; the copy waits (power 'incoming')
 *   source: migrate(id, endpoint, policy) → local disks mirrored over NBD, then memory (pre-copy,
 *           auto-converge, post-copy by policy); resolves once the stream completed. The source
 *           copy is then 'paused' with reason 'migrated': it never runs again unless the target
 *           failed to take over and the caller resumes it.
 *   target: takes over by itself the moment the stream completes (stops its NBD server, runs), so
 *           downtime is QEMU's own; finishIncoming(id) confirms it runs (or says it failed).
 *   caller: destroys the source copy (and, for local disks, the source's volumes) only after that.
 *
 * Failure or cancel before completion: the source guest keeps running as before (mirrors and the
 * stream cancelled), and the target copy is gone or is destroyed by the caller with destroy().
 */

/** How a migration must converge. The server takes it from the zone's settings. */
export interface MigrationPolicy {
  /** The pause QEMU may take for the final stop-and-copy (QEMU `downtime-limit`), ms. */
  downtimeLimitMs: number;
  /** Bandwidth of the memory stream (QEMU `max-bandwidth`), bytes/s; 0 = unlimited. */
  maxBandwidthBytesPerSec: number;
  /** Throttle the guest's vCPUs (QEMU `auto-converge`) when pre-copy does not converge. */
  autoConverge: boolean;
  /**
   * Switch to post-copy (the target runs and pulls the remaining pages) after this many passes
   * without completing; null never does. Needs IncomingOptions.postcopy on the target.
   */
  postcopyAfterPasses: number | null;
  /** Give up after this long: cancelled, the guest stays on the source (DriverError 'timeout'). */
  timeoutMs: number;
}

/** What the target prepares. */
export interface IncomingOptions {
  /** The address on which the target listens for the memory stream and the disk mirrors (the host's own address). */
  listenAddress: string;
  /**
   * Volume ids of spec disks (root included) that are not on shared storage: their files must
   * already exist on the target (made by the caller with the same size and backing as the source's),
   * and are exported writable over NBD for the source to mirror into. Empty for shared storage.
   */
  receiveDisks: string[];
  /** Enable post-copy on the target (QEMU `postcopy-ram` must be set on both sides). */
  postcopy: boolean;
  /**
   * Ports to listen on (from the host's transfer port range): `stream` for the memory stream,
   * `nbd` for the disk mirrors. Absent or 0: the driver takes a free port and reports it in the
   * endpoint.
   */
  ports?: { stream?: number; nbd?: number };
}

/** Where the source sends the migration. */
export interface IncomingEndpoint {
  /** The memory stream, e.g. `tcp:10.0.0.2:49152`. */
  uri: string;
  /** The NBD server the disk mirrors go to; each export is named after its volume id. Absent: no disk is copied. */
  nbd?: { host: string; port: number; exports: string[] };
}

/** Live figures of a running migration (reported in JobProgress.migration). */
export interface MigrationStats {
  /** What happens now. */
  stage: 'mirroring-disks' | 'pre-copy' | 'post-copy' | 'completing';
  /** Memory passes so far (QEMU `dirty-sync-count`). */
  pass: number;
  ramTransferredBytes: number;
  ramRemainingBytes: number;
  ramTotalBytes: number;
  /** Bytes of guest memory dirtied per second (pages-rate × page size). */
  dirtyRateBytesPerSec: number;
  /** QEMU's estimate of the final pause, ms. */
  expectedDowntimeMs: number;
  /** Disk bytes still to mirror (0 once the mirrors are ready or there are none). */
  diskRemainingBytes: number;
  /** The guest's vCPU throttle from auto-converge, percent (0 = none). */
  throttlePercent: number;
}

/** What a completed migration measured (QEMU's own figures). */
export interface MigrationResult {
  totalMs: number;
  /** The guest's pause at the switch-over, ms. */
  downtimeMs: number;
  setupMs: number;
  ramTransferredBytes: number;
  passes: number;
  /** Whether it finished in post-copy. */
  postcopy: boolean;
  /** Disk bytes mirrored to the target (0 on shared storage). */
  diskBytes: number;
}

/** The InstanceStatus reason of a source copy after its migration completed (power 'paused'). */
export const migratedReason = 'migrated';
