/**
 * Where hot-pluggable data disks plug in (pure). QEMU refuses hot-plug onto the q35 root complex
 * (pcie.0), so on q35 every data-disk slot (0x11–0x1d) holds a pcie-root-port created at boot, at
 * that stored slot, and the disk sits behind it (bus=<port>, addr=0x0). The port exists whether or
 * not a disk is attached, so a machine's layout is the same at start, restore and on a migration
 * target, and a disk keeps its slot for as long as it is attached. On `pc`, pci.0 supports ACPI
 * hot-plug directly: disks sit on it at their slot. The root disk (0x10), NICs and the config
 * drive stay on the root bus on both machines (they are never hot-plugged).
 *
 * The ports reserve no I/O space (io-reserve=0): thirteen ports would otherwise take most of the
 * 64 KiB I/O window, and virtio-blk behind a PCIe port is a modern device with memory BARs only.
 */
import { formatPciSlot, pciSlotRanges } from '@kumo/core';
import type { DiskBusAddress } from './disk-blockdev.ts';

export type MachineType = 'q35' | 'pc';

export function rootBusOf(machine: MachineType): string {
  return machine === 'q35' ? 'pcie.0' : 'pci.0';
}

export function isHotplugDiskSlot(slot: number): boolean {
  return slot >= pciSlotRanges.dataDisk.first && slot <= pciSlotRanges.dataDisk.last;
}

export function rootPortId(slot: number): string {
  return `rp${slot.toString(16).padStart(2, '0')}`;
}

/** The bus and address a disk at `slot` plugs into on this machine. */
export function diskBusAddress(machine: MachineType, slot: number): DiskBusAddress {
  if (machine === 'q35' && isHotplugDiskSlot(slot)) return { bus: rootPortId(slot), addr: '0x0' };
  return { bus: rootBusOf(machine), addr: formatPciSlot(slot) };
}

/** -device options of the q35 root ports (none on pc), one per data-disk slot, in slot order. */
export function hotplugRootPorts(machine: MachineType): Array<{ slot: number; device: string }> {
  if (machine !== 'q35') return [];
  const out: Array<{ slot: number; device: string }> = [];
  for (let slot = pciSlotRanges.dataDisk.first; slot <= pciSlotRanges.dataDisk.last; slot++) {
    out.push({ slot, device: `pcie-root-port,id=${rootPortId(slot)},bus=pcie.0,addr=${formatPciSlot(slot)},chassis=${slot},port=${slot},io-reserve=0` });
  }
  return out;
}
