/**
 * MAC addresses for guest NICs: canonical form is lowercase, colon-separated.
 * Kumo hands out locally administered unicast addresses under a 3-byte prefix
 * (default 52:54:00, QEMU's customary prefix: 0x52 has the "locally administered"
 * bit set and the multicast bit clear), leaving 2^24 addresses per prefix.
 */
import { NetcfgError } from './netcfg-error.ts';
import { lowestFree } from './lowest-free.ts';

export const DEFAULT_MAC_PREFIX = '52:54:00';
const MAC_RE = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** Parses "52:54:00:AB:cd:01" or "52-54-00-ab-cd-01" into "52:54:00:ab:cd:01". */
export function parseMac(text: string, field = 'mac'): string {
  if (typeof text !== 'string' || !MAC_RE.test(text)) {
    throw new NetcfgError('invalid', field, `"${String(text)}" is not a valid MAC address (expected six hex byte pairs like 52:54:00:12:34:56)`);
  }
  return text.toLowerCase().replaceAll('-', ':');
}

function firstByte(mac: string): number {
  return parseInt(mac.slice(0, 2), 16);
}

export function isMulticastMac(mac: string): boolean {
  return (firstByte(parseMac(mac)) & 1) === 1;
}

export function isLocallyAdministeredMac(mac: string): boolean {
  return (firstByte(parseMac(mac)) & 2) === 2;
}

function parsePrefix(prefix: string): string {
  if (!/^[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/i.test(prefix)) {
    throw new NetcfgError('invalid', 'prefix', `MAC prefix "${prefix}" must be three hex bytes like 52:54:00`);
  }
  const p = prefix.toLowerCase();
  const b = parseInt(p.slice(0, 2), 16);
  if ((b & 1) === 1) throw new NetcfgError('invalid', 'prefix', `MAC prefix ${p} is a multicast prefix (lowest bit of the first byte set)`);
  if ((b & 2) === 0) throw new NetcfgError('invalid', 'prefix', `MAC prefix ${p} is not locally administered (bit 0x02 of the first byte is clear); such addresses belong to a vendor`);
  return p;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** The index-th address under the prefix: 0 -> 52:54:00:00:00:00, 0xffffff -> ...:ff:ff:ff. */
export function macFromIndex(index: number, prefix: string = DEFAULT_MAC_PREFIX): string {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffff) {
    throw new NetcfgError('out_of_range', 'index', `MAC index ${String(index)} must be an integer from 0 to ${0xffffff}`);
  }
  return `${parsePrefix(prefix)}:${hex2(index >>> 16)}:${hex2((index >>> 8) & 255)}:${hex2(index & 255)}`;
}

/** A source of random bytes, e.g. `(n) => crypto.randomBytes(n)`; injected to keep this pure. */
export type RandomBytes = (count: number) => Uint8Array;

export interface AllocateMacInput {
  /** MACs in use in the scope that must stay unique (zone, or the whole cloud). */
  used: Iterable<string>;
  /** 'sequential': lowest free index under the prefix; 'random': random, collisions retried. */
  strategy: { kind: 'sequential' } | { kind: 'random'; randomBytes: RandomBytes };
  prefix?: string;
  /** A MAC the user asked for: any unicast, non-zero address not in use. */
  requested?: string;
}

const RANDOM_ATTEMPTS = 32;

/**
 * Chooses a MAC for a new NIC. Random allocation keeps MACs unpredictable across
 * clouds (so two independent Kumo installs bridged together rarely collide); after
 * 32 colliding draws it falls back to the lowest free index, so exhaustion is exact.
 */
export function allocateMac(input: AllocateMacInput): string {
  const prefix = parsePrefix(input.prefix ?? DEFAULT_MAC_PREFIX);
  const used = new Set<string>();
  let i = 0;
  for (const m of input.used) used.add(parseMac(m, `used[${i++}]`));

  if (input.requested !== undefined) {
    const mac = parseMac(input.requested, 'mac');
    if ((firstByte(mac) & 1) === 1) throw new NetcfgError('invalid', 'mac', `${mac} is a multicast address; a NIC needs a unicast MAC (lowest bit of the first byte clear)`);
    if (mac === '00:00:00:00:00:00') throw new NetcfgError('invalid', 'mac', '00:00:00:00:00:00 cannot be used as a NIC address');
    if (used.has(mac)) throw new NetcfgError('in_use', 'mac', `${mac} is already used by another NIC`);
    return mac;
  }

  if (input.strategy.kind === 'random') {
    for (let attempt = 0; attempt < RANDOM_ATTEMPTS; attempt++) {
      const bytes = input.strategy.randomBytes(3);
      if (bytes.length < 3) throw new NetcfgError('invalid', 'strategy.randomBytes', 'the random source returned fewer bytes than asked for');
      const mac = `${prefix}:${hex2(bytes[0]!)}:${hex2(bytes[1]!)}:${hex2(bytes[2]!)}`;
      if (!used.has(mac)) return mac;
    }
  }
  const usedIndexes = new Set<number>();
  for (const m of used) {
    if (m.startsWith(`${prefix}:`)) usedIndexes.add(parseInt(m.slice(9).replaceAll(':', ''), 16));
  }
  const free = lowestFree(0, 0xffffff, usedIndexes);
  if (free === undefined) throw new NetcfgError('exhausted', 'mac', `no free MAC address left under the prefix ${prefix}`);
  return macFromIndex(free, prefix);
}
