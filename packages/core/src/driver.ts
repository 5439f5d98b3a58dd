/**
 * What drivers are given and what they report: the instance spec, statuses, events and host
 * facts. The contract itself (the Driver interface, what each method guarantees on success and
 * failure, idempotency, deadlines, capabilities, cancel and progress) lives in driver/ and is
 * re-exported here; docs/drivers.md explains it for driver authors.
 */

/** Power state as the hypervisor sees it. */
/** `incoming`: a copy waiting for a migration stream (QEMU -incoming); it does not run until it takes over. */
export type PowerState = 'running' | 'stopped' | 'paused' | 'saved' | 'crashed' | 'incoming' | 'unknown';

export interface DiskSpec {
  /** Stable id of the volume, e.g. "vol-…". */
  volumeId: string;
  /** Absolute path of the disk file on this host (qcow2 overlay or raw). */
  path: string;
  format: 'qcow2' | 'raw';
  /** virtio-blk bus position; 0 is the root disk. */
  index: number;
  readOnly?: boolean;
}

export interface NicSpec {
  nicId: string;
  mac: string;
  /** Name of the tap device to create and attach. */
  tap: string;
  /** Bridge the tap joins; undefined means the caller wires it. */
  bridge?: string;
  mtu?: number;
}

export interface BootSpec {
  /** Direct kernel boot (kernel+initrd image kinds); omitted means boot the root disk. */
  kernelPath?: string;
  initrdPath?: string;
  cmdline?: string;
}

export interface InstanceSpec {
  instanceId: string;
  /** Human name, used as the guest's -name and hostname. */
  name: string;
  vcpus: number;
  memoryMiB: number;
  disks: DiskSpec[];
  nics: NicSpec[];
  boot: BootSpec;
  /** Seconds a graceful stop waits for the guest before killing it. */
  stopTimeoutSec: number;
  /** CPU share as a fraction of vcpus (1 = guaranteed full cores; 0.5 = best effort at half). */
  cpuQuota?: number;
  /**
   * A NoCloud config drive (an ISO 9660 image labelled `cidata`) the driver builds on
   * the host and attaches read-only, for guests without network metadata. Rebuilt
   * from this spec at every start, removed with the instance.
   */
  configDrive?: ConfigDriveSpec;
}

/** The files of a NoCloud config drive, as text (cloud-init's nocloud datasource). */
export interface ConfigDriveSpec {
  /** `meta-data`: YAML with at least instance-id and local-hostname. */
  metaData: string;
  /** `user-data`: the instance's user data, verbatim (may be empty). */
  userData: string;
  /** `network-config`: cloud-init network config v2 (YAML); omitted means DHCP on the first NIC. */
  networkConfig?: string;
}

export interface InstanceStatus {
  instanceId: string;
  power: PowerState;
  /** Free text from the hypervisor (e.g. QEMU's exit reason). */
  reason?: string;
}

export type DriverEvent =
  | { kind: 'power'; instanceId: string; power: PowerState; reason?: string }
  | { kind: 'console'; instanceId: string; data: Buffer };

export interface HostFacts {
  hostname: string;
  cpuModel: string;
  cpus: number;
  memoryMiB: number;
  /** 'kvm' when a KVM guest really runs, 'tcg' when software emulation is used, 'none' for fake/lxc. */
  accelerator: 'kvm' | 'tcg' | 'none';
  hypervisorVersion: string;
}

export * from './driver/driver-interface.ts';
export * from './driver/driver-capabilities.ts';
export * from './driver/driver-error.ts';
export * from './driver/driver-call-context.ts';
export * from './driver/power-reason.ts';
