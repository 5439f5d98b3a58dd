/**
 * What drivers are given and what they report: the instance spec, statuses, events and host
 * facts. The contract itself (the Driver interface, what each method guarantees on success and
 * failure, idempotency, deadlines, capabilities, cancel and progress) lives in driver/ and is
 * re-exported here; docs/drivers.md explains it for driver authors.
 */

/** Power state as the hypervisor sees it (the list is in lifecycle/lifecycle-states.ts). */
import type { PowerState } from './lifecycle/lifecycle-states.ts';
import type { SmbiosSystemSpec } from './driver/smbios.ts';
import type { GuestHardwareSpec } from './guest/guest-hardware.ts';

export type { PowerState };

/**
 * A disk of a VM. Its address is fixed when the volume is attached (see
 * devices/device-layout.ts and docs/architecture.md#device-layout): a restart, a migration
 * target and a hot-plug all put it at the same place.
 */
export interface DiskSpec {
  /** Stable id of the volume, e.g. "vol-…". */
  volumeId: string;
  /** Absolute path of the disk file on this host (qcow2 overlay or raw). */
  path: string;
  format: 'qcow2' | 'raw';
  /** Slot on the guest's root PCI bus (pci.0), allocated once with the attachment. */
  pciSlot: number;
  /** What the guest sees as the disk's serial (/dev/disk/by-id/virtio-<serial>): 1–20 of [A-Za-z0-9_.-]. */
  serial: string;
  readOnly?: boolean;
  /**
   * The disk is an RBD image of a Ceph pool (format 'raw'; `path` is then only a label,
   * `rbd:<pool>/<image>`). The hypervisor opens it through librbd with the named client.
   */
  rbd?: RbdDiskSource;
  /** I/O limits from the volume's disk offering (QEMU throttle groups); omitted: unlimited. */
  limits?: DiskLimits;
}

/** Where an RBD disk lives and how a host reaches the cluster (files on the host, from its pool config). */
export interface RbdDiskSource {
  /** Ceph pool name. */
  pool: string;
  /** RBD image name inside the pool. */
  image: string;
  /** Ceph client id without the `client.` prefix, e.g. "admin" or "kumo". */
  user: string;
  /** Absolute path of the ceph.conf on the host (it names the monitors and the keyring). */
  cephConf: string;
}

/**
 * I/O limits of a disk. Each is a positive integer or omitted (no limit). A driver applies them
 * at start and changes them on a running guest (Driver.setDiskLimits).
 */
export interface DiskLimits {
  readIops?: number;
  writeIops?: number;
  readBytesPerSec?: number;
  writeBytesPerSec?: number;
}

/**
 * How a NIC reaches the host: a tap the hypervisor creates (VMs) or the host end of a veth
 * pair whose other end is moved into the guest (containers). A driver refuses the kinds it
 * cannot attach with a DriverError.
 */
export type NicAttach =
  | { kind: 'tap'; /** Name of the tap device to create and attach. */ tap: string }
  | { kind: 'veth'; /** Host-side name of the veth pair. */ hostIfName: string };

export interface NicSpec {
  nicId: string;
  mac: string;
  attach: NicAttach;
  /** Slot on the guest's root PCI bus (pci.0), allocated once with the NIC (containers ignore it). */
  pciSlot: number;
  /** Bridge the host-side interface joins; undefined means the caller wires it. */
  bridge?: string;
  mtu?: number;
}

/**
 * What the instance boots from: a disk image (VMs; the disk the firmware boots unless the
 * boot spec names a kernel) or a root file system directory (containers).
 */
export type RootSpec =
  | { kind: 'disk'; disk: DiskSpec }
  | { kind: 'rootfs'; /** Absolute path of the root file system directory on this host. */ path: string };

export interface BootSpec {
  /** Direct kernel boot (kernel+initrd image kinds); omitted means boot the root disk. */
  kernelPath?: string;
  initrdPath?: string;
  cmdline?: string;
  /** Boot the CD-ROM (spec.cdrom) before the root disk; default 'disk'. */
  order?: 'disk' | 'cdrom';
}

/**
 * The guest's CD-ROM drive (read-only). Present whenever the spec has it, so media can be inserted
 * and ejected while the guest runs (Driver.changeMedium); empty when `iso` is omitted.
 */
export interface CdromSpec {
  iso?: {
    /** Absolute path of the ISO file on this host (the agent fills it in from its image cache). */
    path: string;
    /** The image version the ISO is. */
    imageVersionId: string;
  };
}

export interface InstanceSpec {
  instanceId: string;
  /** Human name, used as the guest's -name and hostname. */
  name: string;
  vcpus: number;
  memoryMiB: number;
  /** Omitted only for a VM that runs from a directly booted kernel and initrd alone. */
  root?: RootSpec;
  /** Data disks (the root disk is in `root`), each at its own fixed address. */
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
  /** An ISO in the CD-ROM drive; omitted: no CD-ROM drive. */
  cdrom?: CdromSpec;
  /**
   * A highly available guest: restarted on another host when its host fails. Its host's agent stops
   * it (forced) as soon as the agent cannot renew its host lease (self-fencing), so the restarted
   * copy is the only one that writes. Omitted: not HA.
   */
  ha?: boolean;
  /** SMBIOS system information (type 1) shown to the guest (driver/smbios.ts); omitted: the hypervisor's default. */
  smbios?: SmbiosSystemSpec;
  /**
   * A virtio-balloon device (QEMU: at its fixed slot 0x02), through which the guest reports the
   * memory it uses (guest-stats). Omitted: none. A live migration's target gets the source's value.
   */
  memoryBalloon?: boolean;
  /** Firmware, buses and OS quirks from the image's properties (guest/guest-hardware.ts); omitted: SeaBIOS, virtio, Linux. */
  guest?: GuestHardwareSpec;
  /**
   * A display device and a VNC server on a per-instance Unix socket: the graphical console and
   * screenshots. Omitted: on for guests that boot through firmware (disk images, ISOs), off for a
   * directly booted kernel (serial console only).
   */
  graphicalConsole?: boolean;
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
export * from './driver/migration.ts';
export * from './driver/guest-display.ts';
export * from './driver/guest-agent.ts';
export * from './driver/smbios.ts';
