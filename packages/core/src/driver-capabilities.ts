import type { DriverCapability } from './driver/driver-capabilities.ts';

/**
 * What hosts that speak agent protocol 1 (which has no capabilities in its hello) can do: everything
 * that release's QEMU and fake drivers did.
 */
export const protocolV1Capabilities: readonly DriverCapability[] = ['save-restore', 'pause', 'serial-console'];
