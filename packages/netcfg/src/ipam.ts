/**
 * IP address management: which address, MAC and VNI a new NIC or network gets.
 * Pure: the caller reads the used sets from the database and writes the result back
 * inside the same transaction (a unique index is the final arbiter of races).
 */
import { NetcfgError } from './netcfg-error.ts';
import {
  cidrContains, cidrLast, cidrsOverlap, formatCidr, formatIpv4, formatRange, gatewayOf, parseCidr, parseIpv4,
  usableRange, type Ipv4Cidr, type Ipv4Range,
} from './ipv4-cidr.ts';

import { lowestFree } from './lowest-free.ts';

export * from './ipv4-cidr.ts';
export * from './mac-address.ts';
export { lowestFree } from './lowest-free.ts';


export interface ReservedAddress {
  ip: string;
  /** Why it is reserved, shown in refusals ("the gateway", "the DHCP server"). */
  reason: string;
}

export interface AllocateIpv4Input {
  /** The network, e.g. "10.1.1.0/24". */
  cidr: string;
  /**
   * The pool addresses are handed out from, inclusive; defaults to every usable
   * address of the network. Must lie inside the usable range.
   */
  range?: { start: string; end: string };
  /** Addresses already assigned in this network (NICs, router, load balancers). */
  used: Iterable<string>;
  /** Addresses never handed out; defaults to the gateway (first usable address). */
  reserved?: readonly ReservedAddress[];
  /** A static address the user asked for; honoured or refused with the reason. */
  requested?: string;
  /** Field name used in errors about `requested` (default "ip"). */
  field?: string;
}

function parsePool(cidr: Ipv4Cidr, range: AllocateIpv4Input['range']): Ipv4Range {
  const usable = usableRange(cidr);
  if (range === undefined) return usable;
  const start = parseIpv4(range.start, 'range.start');
  const end = parseIpv4(range.end, 'range.end');
  for (const [value, field] of [[start, 'range.start'], [end, 'range.end']] as const) {
    if (value < usable.start || value > usable.end) {
      throw new NetcfgError('out_of_range', field, `${formatIpv4(value)} is outside the usable addresses ${formatRange(usable)} of ${formatCidr(cidr)}`);
    }
  }
  if (start > end) throw new NetcfgError('invalid', 'range', `the range start ${formatIpv4(start)} is after its end ${formatIpv4(end)}`);
  return { start, end };
}

/**
 * Picks an address for a NIC: the requested one when it is free and allowed, else
 * the lowest free address of the pool. Throws NetcfgError:
 * invalid / out_of_range / reserved / in_use for a refused request, exhausted when
 * the pool is full.
 */
export function allocateIpv4(input: AllocateIpv4Input): string {
  const cidr = parseCidr(input.cidr);
  const pool = parsePool(cidr, input.range);
  const used = new Set<number>();
  let i = 0;
  for (const ip of input.used) used.add(parseIpv4(ip, `used[${i++}]`));
  const reserved = new Map<number, string>();
  const reservedList = input.reserved ?? (cidr.prefix <= 30 ? [{ ip: formatIpv4(gatewayOf(cidr)), reason: 'the gateway' }] : []);
  reservedList.forEach((r, j) => reserved.set(parseIpv4(r.ip, `reserved[${j}].ip`), r.reason));

  if (input.requested !== undefined) {
    const field = input.field ?? 'ip';
    const ip = parseIpv4(input.requested, field);
    const text = formatIpv4(ip);
    const net = formatCidr(cidr);
    if (!cidrContains(cidr, ip)) throw new NetcfgError('out_of_range', field, `${text} is not in the network ${net}`);
    if (cidr.prefix <= 30 && ip === cidr.network) throw new NetcfgError('reserved', field, `${text} is the network address of ${net}`);
    if (cidr.prefix <= 30 && ip === cidrLast(cidr)) throw new NetcfgError('reserved', field, `${text} is the broadcast address of ${net}`);
    const why = reserved.get(ip);
    if (why !== undefined) throw new NetcfgError('reserved', field, `${text} is reserved in ${net}: ${why}`);
    if (ip < pool.start || ip > pool.end) {
      throw new NetcfgError('out_of_range', field, `${text} is outside the allocatable range ${formatRange(pool)} of ${net}`);
    }
    if (used.has(ip)) throw new NetcfgError('in_use', field, `${text} is already in use in ${net}`);
    return text;
  }

  const taken = new Set([...used, ...reserved.keys()]);
  const free = lowestFree(pool.start, pool.end, taken);
  if (free === undefined) {
    const size = pool.end - pool.start + 1;
    throw new NetcfgError('exhausted', 'cidr', `no free address left in ${formatCidr(cidr)}: all ${size} addresses of ${formatRange(pool)} are in use or reserved`);
  }
  return formatIpv4(free);
}

export interface NamedCidr {
  /** Whatever identifies the owner in messages (network id or name). */
  id: string;
  cidr: string;
}

/** Networks among `existing` whose CIDR shares addresses with `cidr`. */
export function findOverlaps(cidr: string, existing: readonly NamedCidr[], field = 'cidr'): NamedCidr[] {
  const c = parseCidr(cidr, { field });
  return existing.filter((e, i) => cidrsOverlap(c, parseCidr(e.cidr, { field: `existing[${i}].cidr` })));
}

/** Throws NetcfgError('overlap') naming the first network `cidr` overlaps. */
export function assertNoOverlap(cidr: string, existing: readonly NamedCidr[], field = 'cidr'): void {
  const hit = findOverlaps(cidr, existing, field)[0];
  if (hit !== undefined) throw new NetcfgError('overlap', field, `${cidr} overlaps ${hit.cidr} of ${hit.id}`);
}

/** VXLAN network identifiers are 24 bits; 0 is not used. */
export const VNI_MIN = 1;
export const VNI_MAX = 0xffffff;

export interface AllocateVniInput {
  /** The zone's VNI pool, inclusive. */
  range: { start: number; end: number };
  used: Iterable<number>;
  requested?: number;
}

function checkVni(value: number, field: string): void {
  if (!Number.isInteger(value) || value < VNI_MIN || value > VNI_MAX) {
    throw new NetcfgError('out_of_range', field, `${String(value)} is not a valid VXLAN VNI: it must be an integer from ${VNI_MIN} to ${VNI_MAX}`);
  }
}

/** The requested VNI if free and in the pool, else the lowest free VNI of the pool. */
export function allocateVni(input: AllocateVniInput): number {
  checkVni(input.range.start, 'range.start');
  checkVni(input.range.end, 'range.end');
  if (input.range.start > input.range.end) throw new NetcfgError('invalid', 'range', `the VNI range start ${input.range.start} is after its end ${input.range.end}`);
  const used = new Set(input.used);
  const { start, end } = input.range;
  if (input.requested !== undefined) {
    const vni = input.requested;
    checkVni(vni, 'vni');
    if (vni < start || vni > end) throw new NetcfgError('out_of_range', 'vni', `VNI ${vni} is outside the zone's VNI range ${start}-${end}`);
    if (used.has(vni)) throw new NetcfgError('in_use', 'vni', `VNI ${vni} is already used by another network`);
    return vni;
  }
  const free = lowestFree(start, end, used);
  if (free === undefined) throw new NetcfgError('exhausted', 'vni', `no free VNI left in the zone's range ${start}-${end}`);
  return free;
}
