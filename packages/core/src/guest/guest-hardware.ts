/**
 * The virtual hardware a guest OS expects, from its image's properties (the way other clouds call
 * them hw_firmware_type, hw_disk_bus, hw_vif_model, os_type): firmware, buses, OS quirks. One
 * vocabulary for the API, the server, the agent and the drivers; every field is optional and its
 * default is what Kumo's guests had before images carried properties (SeaBIOS, virtio, Linux).
 */

export const firmwareKinds = ['bios', 'uefi'] as const;
/** bios: SeaBIOS (default). uefi: OVMF, with a per-instance NVRAM (EFI variables) file. */
export type FirmwareKind = (typeof firmwareKinds)[number];

export const diskBuses = ['virtio-blk', 'virtio-scsi', 'sata'] as const;
/** How the root disk is presented: virtio-blk (default), virtio-scsi, or SATA (AHCI; IDE on `pc`). */
export type DiskBus = (typeof diskBuses)[number];

export const nicModels = ['virtio', 'e1000'] as const;
/** The NICs' device model: virtio-net (default) or an Intel e1000 that every OS has a driver for. */
export type NicModel = (typeof nicModels)[number];

export const osTypes = ['linux', 'windows'] as const;
/** windows: RTC in local time and Hyper-V enlightenments. */
export type OsType = (typeof osTypes)[number];

/** The guest-hardware part of an InstanceSpec (spec.guest). */
export interface GuestHardwareSpec {
  firmware?: FirmwareKind;
  /** UEFI Secure Boot (OVMF's secure variant with SMM); needs firmware 'uefi'. */
  secureBoot?: boolean;
  diskBus?: DiskBus;
  nicModel?: NicModel;
  osType?: OsType;
  /** A TPM 2.0 (swtpm, started by the driver for the instance). */
  tpm?: boolean;
  /** The image says a guest agent (qemu-guest-agent) runs in the guest. */
  guestAgent?: boolean;
  /**
   * A second, read-only CD-ROM with a driver ISO (e.g. virtio-win for Windows installs), beside
   * spec.cdrom. The agent fills in the path from its image cache.
   */
  driverIso?: { path: string; imageVersionId: string };
}

/** The image properties users set (API, CLI, web): the guest hardware plus the image's minimums. */
export interface ImageProperties {
  firmware: FirmwareKind;
  secureBoot: boolean;
  diskBus: DiskBus;
  nicModel: NicModel;
  osType: OsType;
  tpm: boolean;
  guestAgent: boolean;
  /** An instance of the image needs at least this much memory (0: no minimum). */
  minMemoryMiB: number;
  /** An instance of the image needs a root disk at least this big. */
  minDiskGiB: number;
}

export const defaultImageProperties: Readonly<ImageProperties> = {
  firmware: 'bios', secureBoot: false, diskBus: 'virtio-blk', nicModel: 'virtio', osType: 'linux',
  tpm: false, guestAgent: false, minMemoryMiB: 0, minDiskGiB: 1,
};

/**
 * The spec.guest for an image's properties: only what differs from the defaults, so specs of
 * images without properties stay as they were (undefined when nothing differs).
 */
export function guestHardwareOf(p: Partial<ImageProperties>): GuestHardwareSpec | undefined {
  const g: GuestHardwareSpec = {};
  if (p.firmware !== undefined && p.firmware !== 'bios') g.firmware = p.firmware;
  if (p.secureBoot === true) g.secureBoot = true;
  if (p.diskBus !== undefined && p.diskBus !== 'virtio-blk') g.diskBus = p.diskBus;
  if (p.nicModel !== undefined && p.nicModel !== 'virtio') g.nicModel = p.nicModel;
  if (p.osType !== undefined && p.osType !== 'linux') g.osType = p.osType;
  if (p.tpm === true) g.tpm = true;
  if (p.guestAgent === true) g.guestAgent = true;
  return Object.keys(g).length > 0 ? g : undefined;
}

/**
 * Contradictions between properties, each naming its field (empty: consistent). Shared by the
 * API's validation and the driver's spec check.
 */
export function guestHardwareProblems(g: GuestHardwareSpec): string[] {
  const out: string[] = [];
  const oneOf = (field: string, v: unknown, allowed: readonly string[]): void => {
    if (v !== undefined && !allowed.includes(v as string)) out.push(`${field} must be one of ${allowed.join(', ')} (not ${JSON.stringify(v)})`);
  };
  oneOf('firmware', g.firmware, firmwareKinds);
  oneOf('diskBus', g.diskBus, diskBuses);
  oneOf('nicModel', g.nicModel, nicModels);
  oneOf('osType', g.osType, osTypes);
  if (g.secureBoot === true && g.firmware !== 'uefi') out.push('secureBoot needs firmware uefi');
  if (g.driverIso !== undefined && !g.driverIso.path.startsWith('/')) out.push(`driverIso: path must be absolute (${g.driverIso.path})`);
  return out;
}
