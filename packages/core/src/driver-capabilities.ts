/**
 * What a host's driver can do. Agents announce their set in the hello; the API refuses an action the
 * instance's host cannot do (409 `capability_missing`, naming the capability) before it asks the host.
 */
export const driverCapabilities = [
  'save-restore', 'pause', 'live-migrate', 'live-migrate-local-disks', 'hot-attach-disk', 'hot-plug-nic',
  'graphical-console', 'serial-console', 'container',
] as const;
export type DriverCapability = (typeof driverCapabilities)[number];

/**
 * What hosts that speak agent protocol 1 (which has no capabilities in its hello) can do: everything
 * that release's QEMU and fake drivers did.
 */
export const protocolV1Capabilities: readonly DriverCapability[] = ['save-restore', 'pause', 'serial-console'];
