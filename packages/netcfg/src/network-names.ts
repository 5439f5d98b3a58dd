/**
 * Deterministic names of everything the network agent creates, derived from the
 * database ids, so any host re-derives the same names after a restart and the agent
 * recognises its own objects (and only those) by shape.
 *
 * Host namespace (interface names are at most 15 characters):
 *   kb-<s>   the bridge of a guest network            (s = shortNameId(networkId))
 *   kv-<s>   its segment device: VXLAN (or 802.1Q) port of that bridge
 *   krg-<s>  host end of a router's guest veth         (s = shortNameId(routerId))
 *   krp-<s>  host end of a router's public veth
 * Router namespace: <prefix><s> (prefix "kr-" by default), holding rg0 (guest side)
 * and rp0 (public side).
 *
 * The server uses networkBridgeName() for the `bridge` of each NIC it asks the QEMU
 * driver to create, so both sides agree without storing names.
 */
import { createHash } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case
export const SHORT_ID_LENGTH = 10;

/** 10 base32 characters (50 bits) of sha256(id): stable, collision-safe per host. */
export function shortNameId(id: string): string {
  const digest = createHash('sha256').update(id, 'utf8').digest();
  let bits = 0n;
  for (let i = 0; i < 7; i++) bits = (bits << 8n) | BigInt(digest[i]!);
  bits >>= 6n; // 56 -> 50 bits
  let out = '';
  for (let i = 0; i < SHORT_ID_LENGTH; i++) {
    out = ALPHABET[Number(bits & 31n)]! + out;
    bits >>= 5n;
  }
  return out;
}

export const BRIDGE_PREFIX = 'kb-';
export const SEGMENT_PREFIX = 'kv-';
export const ROUTER_GUEST_VETH_PREFIX = 'krg-';
export const ROUTER_PUBLIC_LINK_PREFIX = 'krp-';
export const DEFAULT_ROUTER_NETNS_PREFIX = 'kr-';
/** Interface names inside a router namespace. */
export const ROUTER_GUEST_IFNAME = 'rg0';
export const ROUTER_PUBLIC_IFNAME = 'rp0';

export function networkBridgeName(networkId: string): string {
  return `${BRIDGE_PREFIX}${shortNameId(networkId)}`;
}

export function networkSegmentDeviceName(networkId: string): string {
  return `${SEGMENT_PREFIX}${shortNameId(networkId)}`;
}

export function routerGuestVethName(routerId: string): string {
  return `${ROUTER_GUEST_VETH_PREFIX}${shortNameId(routerId)}`;
}

export function routerPublicLinkName(routerId: string): string {
  return `${ROUTER_PUBLIC_LINK_PREFIX}${shortNameId(routerId)}`;
}

export function routerNetnsName(routerId: string, prefix: string = DEFAULT_ROUTER_NETNS_PREFIX): string {
  return `${prefix}${shortNameId(routerId)}`;
}

/**
 * A locally administered unicast MAC derived from an id and a role, so a router's
 * interfaces keep their MAC when the agent recreates them (guests' and gateways' ARP
 * caches stay valid).
 */
export function derivedMac(id: string, role: 'guest' | 'public'): string {
  const digest = createHash('sha256').update(`${role}\0${id}`, 'utf8').digest();
  const bytes = [0x02, digest[0]!, digest[1]!, digest[2]!, digest[3]!, digest[4]!];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

const SHORT_RE = `[${ALPHABET}]{${SHORT_ID_LENGTH}}`;
const OWNED_LINK_RE = new RegExp(`^(kb|kv|krg|krp)-${SHORT_RE}$`);

/** True for host-namespace links this agent creates (and may delete). */
export function isOwnedLinkName(name: string): boolean {
  return OWNED_LINK_RE.test(name);
}

/** True for router namespaces named with `prefix` by this agent. */
export function isOwnedNetnsName(name: string, prefix: string = DEFAULT_ROUTER_NETNS_PREFIX): boolean {
  return name.startsWith(prefix) && new RegExp(`^${SHORT_RE}$`).test(name.slice(prefix.length));
}

/** The prefixes a NIC's tap must not use (they belong to the agent). */
export function usesReservedPrefix(ifname: string): boolean {
  return /^(kb|kv|krg|krp)-/.test(ifname);
}
