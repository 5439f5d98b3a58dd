/**
 * Interface addresses ("203.0.113.10/24": an address plus its on-link prefix) and
 * the `ip addr` commands that turn the addresses of a device into the desired ones.
 * Pure.
 */
import { cidrContains, formatIpv4, parseCidr, parseIpv4, toolArgv } from '@kumo/netcfg';

export interface InterfaceAddress {
  ip: string;
  prefix: number;
}

/** Parses "a.b.c.d/n" where host bits are the point (unlike a network CIDR). */
export function parseInterfaceAddress(text: string, field: string): InterfaceAddress {
  const cidr = parseCidr(text, { field, allowHostBits: true });
  return { ip: formatIpv4(parseIpv4(text.slice(0, text.indexOf('/')), field)), prefix: cidr.prefix };
}

export function formatInterfaceAddress(a: InterfaceAddress): string {
  return `${a.ip}/${a.prefix}`;
}

/** True when `ip` lies in the subnet of the interface address. */
export function isOnLink(a: InterfaceAddress, ip: string): boolean {
  return a.prefix < 32 && cidrContains(parseCidr(formatInterfaceAddress(a), { allowHostBits: true }), parseIpv4(ip));
}

export interface AddressSyncInput {
  netns?: string;
  device: string;
  /** "ip/prefix" texts. */
  desired: readonly string[];
  /** "ip/prefix" texts, as read back from the device (IPv4, global scope). */
  current: readonly string[];
}

/** `ip addr add` for missing addresses (in the desired order), then `ip addr del` for extra ones. */
export function planAddressSync(input: AddressSyncInput): string[][] {
  const norm = (t: string): string => formatInterfaceAddress(parseInterfaceAddress(t, 'address'));
  const desired = [...new Set(input.desired.map(norm))];
  const current = new Set(input.current.map(norm));
  const ip = toolArgv('ip', input.netns);
  return [
    ...desired.filter((a) => !current.has(a)).map((a) => [...ip, 'addr', 'add', a, 'dev', input.device]),
    ...[...current].filter((a) => !desired.includes(a)).sort().map((a) => [...ip, 'addr', 'del', a, 'dev', input.device]),
  ];
}
