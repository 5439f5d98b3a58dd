/**
 * IPv4 addresses and CIDR blocks as unsigned 32-bit numbers (exact in a JS number).
 * Parsing is strict: four decimal octets, no leading zeros (`010.0.0.1` is octal to
 * some tools and decimal to others, so it is refused), prefix 0..32.
 */
import { NetcfgError } from './netcfg-error.ts';

export interface Ipv4Cidr {
  /** Network address (host bits zero), unsigned 32-bit. */
  readonly network: number;
  /** Prefix length 0..32. */
  readonly prefix: number;
}

/** An inclusive range of addresses, unsigned 32-bit. */
export interface Ipv4Range {
  readonly start: number;
  readonly end: number;
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

function ipv4Problem(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return 'it must have four dot-separated octets';
  for (const p of parts) {
    if (!/^[0-9]+$/.test(p)) return `octet "${p}" is not a decimal number`;
    if (!OCTET.test(p)) return p.length > 1 && p.startsWith('0') ? `octet "${p}" has a leading zero` : `octet "${p}" is too long`;
    if (Number(p) > 255) return `octet "${p}" is above 255`;
  }
  return undefined;
}

/** Parses a dotted-quad IPv4 address; throws NetcfgError('invalid', field). */
export function parseIpv4(text: string, field = 'ip'): number {
  if (typeof text !== 'string') throw new NetcfgError('invalid', field, `${field} must be a string holding an IPv4 address`);
  const problem = ipv4Problem(text);
  if (problem !== undefined) throw new NetcfgError('invalid', field, `"${text}" is not a valid IPv4 address: ${problem}`);
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export function isIpv4(text: string): boolean {
  return typeof text === 'string' && ipv4Problem(text) === undefined;
}

export function formatIpv4(value: number): string {
  const v = value >>> 0;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Canonical text of an address (parses and formats back). */
export function normalizeIpv4(text: string, field = 'ip'): string {
  return formatIpv4(parseIpv4(text, field));
}

/** Netmask of a prefix as unsigned 32-bit (prefix 24 -> 0xffffff00). */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Dotted netmask of a prefix (24 -> "255.255.255.0"). */
export function netmaskOf(prefix: number): string {
  return formatIpv4(prefixMask(prefix));
}

export interface ParseCidrOptions {
  field?: string;
  /** Accept "10.0.0.5/24" and return 10.0.0.0/24; by default host bits are an error. */
  allowHostBits?: boolean;
}

/** Parses "a.b.c.d/n"; a bare address is refused (say /32 explicitly). */
export function parseCidr(text: string, options: ParseCidrOptions = {}): Ipv4Cidr {
  const field = options.field ?? 'cidr';
  if (typeof text !== 'string') throw new NetcfgError('invalid', field, `${field} must be a string holding an IPv4 CIDR`);
  const slash = text.indexOf('/');
  if (slash < 0) throw new NetcfgError('invalid', field, `"${text}" is not a CIDR: the /prefix is missing (e.g. 10.0.0.0/24)`);
  const addrText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const problem = ipv4Problem(addrText);
  if (problem !== undefined) throw new NetcfgError('invalid', field, `"${text}" is not a valid CIDR: ${problem}`);
  if (!/^(0|[1-9][0-9]?)$/.test(prefixText) || Number(prefixText) > 32) {
    throw new NetcfgError('invalid', field, `"${text}" is not a valid CIDR: the prefix must be a number from 0 to 32`);
  }
  const prefix = Number(prefixText);
  const addr = parseIpv4(addrText, field);
  const network = (addr & prefixMask(prefix)) >>> 0;
  if (network !== addr && options.allowHostBits !== true) {
    throw new NetcfgError('invalid', field, `"${text}" has host bits set; the network is ${formatIpv4(network)}/${prefix}`);
  }
  return { network, prefix };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

/** Number of addresses in the block (2^(32-prefix)). */
export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** Last address of the block (the broadcast address when prefix <= 30). */
export function cidrLast(cidr: Ipv4Cidr): number {
  return (cidr.network + cidrSize(cidr) - 1) >>> 0;
}

export function cidrContains(cidr: Ipv4Cidr, ip: number): boolean {
  return ((ip & prefixMask(cidr.prefix)) >>> 0) === cidr.network;
}

/** True when every address of `inner` is in `outer`. */
export function cidrContainsCidr(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, inner.network);
}

/** True when the blocks share at least one address (for CIDRs: one contains the other). */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return cidrContainsCidr(a, b) || cidrContainsCidr(b, a);
}

/**
 * Addresses a host may use: all but the network and broadcast address for prefix <= 30,
 * both addresses of a /31 (RFC 3021), the single address of a /32.
 */
export function usableRange(cidr: Ipv4Cidr): Ipv4Range {
  if (cidr.prefix >= 31) return { start: cidr.network, end: cidrLast(cidr) };
  return { start: cidr.network + 1, end: cidrLast(cidr) - 1 };
}

/**
 * The gateway of a guest network: the first usable address. Refuses prefixes longer
 * than /30, which leave no room for a gateway plus an instance.
 */
export function gatewayOf(cidr: Ipv4Cidr, field = 'cidr'): number {
  if (cidr.prefix > 30) {
    throw new NetcfgError('out_of_range', field, `${formatCidr(cidr)} is too small for a guest network: use a prefix of /30 or shorter`);
  }
  return cidr.network + 1;
}

/**
 * Sorts CIDRs and drops any contained in another (for nft sets, which refuse
 * overlapping intervals). Duplicates collapse.
 */
export function collapseCidrs(cidrs: readonly Ipv4Cidr[]): Ipv4Cidr[] {
  const sorted = [...cidrs].sort((a, b) => a.network - b.network || a.prefix - b.prefix);
  const out: Ipv4Cidr[] = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && cidrContainsCidr(last, c)) continue;
    out.push(c);
  }
  return out;
}

/** Formats a range as "a.b.c.d-e.f.g.h" (or a single address). */
export function formatRange(range: Ipv4Range): string {
  return range.start === range.end ? formatIpv4(range.start) : `${formatIpv4(range.start)}-${formatIpv4(range.end)}`;
}
