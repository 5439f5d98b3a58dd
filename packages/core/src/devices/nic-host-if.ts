import type { NicSpec } from '../driver.ts';

/** The host-side interface name of a NIC, whatever its attachment kind (tap or veth). */
export function nicHostIfName(nic: NicSpec): string {
  return nic.attach.kind === 'tap' ? nic.attach.tap : nic.attach.hostIfName;
}
