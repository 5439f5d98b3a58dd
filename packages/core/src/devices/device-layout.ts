/**
 * Where a VM's devices sit on its root PCI bus (pci.0). Addresses are allocated once, when
 * a disk or NIC is attached, stored with it, and carried in the instance spec: a restart,
 * a live-migration target and a hot-plug all see the same layout, and the guest keeps its
 * device names (enp0s8, /dev/disk/by-path/…) for as long as the device is attached.
 *
 *   0x00        host bridge (both q35 and pc)
 *   0x01        PIIX3 ISA/IDE/USB on pc; kept free on q35 too, so one layout fits both
 *   0x02–0x07   platform devices (reserved: balloon, virtio-rng, …)
 *                 0x04: the virtio-scsi controller of images with diskBus virtio-scsi
 *                 (driver-qemu qemu-argv-guest.ts)
 *   0x08–0x0f   NICs (8): the guest names them enp0s8 … enp0s15
 *   0x10        the root disk: the lowest virtio-blk slot, so the guest always sees it as vda
 *   0x11–0x1d   data disks (13)
 *   0x1e        the NoCloud config drive: after every disk, so it never takes vda
 *   0x1f        ICH9 LPC/SATA/SMBus on q35 (reserved)
 *
 * docs/architecture.md#device-layout says the same for operators.
 */

export interface PciSlotRange {
  /** First usable slot. */
  first: number;
  /** Last usable slot (inclusive). */
  last: number;
}

/** Kinds of guest devices whose slot is allocated from a range. */
export type AllocatedDeviceKind = 'nic' | 'dataDisk';

export const pciSlotRanges: Readonly<Record<AllocatedDeviceKind, PciSlotRange>> = {
  nic: { first: 0x08, last: 0x0f },
  dataDisk: { first: 0x11, last: 0x1d },
};

/** Slots of devices every VM has at the same place. */
export const fixedPciSlots = {
  rootDisk: 0x10,
  configDrive: 0x1e,
} as const;

/** Slots no guest device may take: the chipset's and the platform reserve (0x02–0x07). */
export const reservedPciSlots: readonly number[] = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x1f];

/** Highest slot on a PCI bus. */
export const maxPciSlot = 0x1f;

/** `0x08` style, as QEMU's addr= takes it and as the docs write it. */
export function formatPciSlot(slot: number): string {
  return `0x${slot.toString(16).padStart(2, '0')}`;
}
