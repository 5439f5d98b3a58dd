/**
 * What a guest agent (qemu-guest-agent) inside the guest tells about it, and the answer drivers give
 * for it. The agent is optional: a guest without one (or whose agent does not answer) is still a
 * whole guest; callers get a DriverError 'timeout' or 'unsupported' and carry on without it.
 */
export interface GuestOsInfo {
  /** os-release ID (`debian`), NAME, PRETTY_NAME, VERSION_ID; absent when the guest did not say. */
  id?: string;
  name?: string;
  prettyName?: string;
  versionId?: string;
  /** uname -r and -m. */
  kernelRelease?: string;
  machine?: string;
}

export interface GuestIpAddress {
  family: 'ipv4' | 'ipv6';
  address: string;
  prefix: number;
}

export interface GuestInterface {
  /** The guest's name for it (eth0, enp0s8, lo). */
  name: string;
  /** Hardware address, lower case; absent for interfaces without one (lo on some guests). */
  mac?: string;
  addresses: GuestIpAddress[];
}

/** What the guest agent reported, when it answered. */
export interface GuestInfo {
  os: GuestOsInfo | null;
  interfaces: GuestInterface[];
}
