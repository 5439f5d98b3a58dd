/**
 * What a driver can do beyond the core lifecycle (start, stop, reboot, destroy, list, inspect),
 * announced by the agent in its hello so the server refuses what a host cannot do before it asks.
 * A driver claims a capability only when every method it gates works on this host today.
 */
export const driverCapabilities = [
  'save-restore',
  'pause',
  'live-migrate',
  'live-migrate-local-disks',
  'hot-attach-disk',
  'disk-resize-online',
  'disk-qos',
  'disk-backup',
  'cdrom',
  'rbd',
  'hot-plug-nic',
  'graphical-console',
  'serial-console',
  'container',
] as const;

export type DriverCapability = (typeof driverCapabilities)[number];

/**
 * What hosts that speak agent protocol 1 (which has no capabilities in its hello) can do: everything
 * that release's QEMU and fake drivers did.
 */
export const protocolV1Capabilities: readonly DriverCapability[] = ['save-restore', 'pause', 'serial-console'];

export function isDriverCapability(s: string): s is DriverCapability {
  return (driverCapabilities as readonly string[]).includes(s);
}

/**
 * The Driver methods a capability gates. A driver without the capability rejects these with
 * DriverError code 'unsupported' and changes nothing. Capabilities without methods here
 * (live-migrate, hot-attach-disk, …) gate methods that later work adds to the contract.
 */
export const capabilityGatedMethods = {
  pause: 'pause',
  resume: 'pause',
  save: 'save-restore',
  restore: 'save-restore',
  consoleWrite: 'serial-console',
  consoleLog: 'serial-console',
  attachDisk: 'hot-attach-disk',
  detachDisk: 'hot-attach-disk',
  resizeDisk: 'disk-resize-online',
  setDiskLimits: 'disk-qos',
  backupDisk: 'disk-backup',
  changeMedium: 'cdrom',
  prepareIncoming: 'live-migrate',
  migrate: 'live-migrate',
  finishIncoming: 'live-migrate',
} as const satisfies Record<string, DriverCapability>;

export type CapabilityGatedMethod = keyof typeof capabilityGatedMethods;
