/**
 * Picks the PCI slot of a newly attached disk or NIC: the lowest free slot of its kind's
 * range (device-layout.ts). Pure; the caller reads the slots in use and stores the answer.
 */
import { formatPciSlot, pciSlotRanges, type AllocatedDeviceKind } from './device-layout.ts';

export class DeviceSlotError extends Error {
  constructor(message: string, readonly kind: AllocatedDeviceKind, readonly limit: number) {
    super(message);
    this.name = 'DeviceSlotError';
  }
}

const nouns: Record<AllocatedDeviceKind, string> = { nic: 'NICs', dataDisk: 'data disks' };

/** How many devices of a kind an instance can have at once. */
export function deviceSlotLimit(kind: AllocatedDeviceKind): number {
  const r = pciSlotRanges[kind];
  return r.last - r.first + 1;
}

/**
 * The lowest slot of `kind`'s range not in `used` (the slots the instance's devices hold now).
 * Throws DeviceSlotError when every slot of the range is taken.
 */
export function allocatePciSlot(kind: AllocatedDeviceKind, used: Iterable<number>): number {
  const taken = new Set(used);
  const r = pciSlotRanges[kind];
  for (let slot = r.first; slot <= r.last; slot++) {
    if (!taken.has(slot)) return slot;
  }
  const limit = deviceSlotLimit(kind);
  throw new DeviceSlotError(
    `an instance can have at most ${limit} ${nouns[kind]} (PCI slots ${formatPciSlot(r.first)}–${formatPciSlot(r.last)} are all in use)`,
    kind, limit,
  );
}

/**
 * Slots for `count` new devices of `kind`, in order, next to those in `used`.
 * All or nothing: throws DeviceSlotError if they do not all fit.
 */
export function allocatePciSlots(kind: AllocatedDeviceKind, used: Iterable<number>, count: number): number[] {
  const taken = new Set(used);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const slot = allocatePciSlot(kind, taken);
    taken.add(slot);
    out.push(slot);
  }
  return out;
}
