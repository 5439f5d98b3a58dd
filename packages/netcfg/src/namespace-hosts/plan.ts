/**
 * Hosts as network namespaces on one machine: the pure plan (names and addresses).
 *
 * Layout: host `h<i>` is the network namespace `<prefix>-h<i>`; its `eth0` is one end of a veth
 * pair whose other end, `<prefix>-h<i>` in the root namespace, is a port of the bridge
 * `<prefix>-br`. The bridge carries the subnet's first address (where a management server
 * listens, reachable from every host); host i has the subnet's address 10+i. Hosts reach each
 * other on that subnet (their VXLAN underlay) and have no default route.
 *
 * Everything is named from the prefix, so the same plan re-derives the same names after a
 * crash and removal finds leftovers by name (apply.ts).
 */
import { formatCidr, formatIpv4, parseCidr } from '../ipv4-cidr.ts';

export interface NamespaceHostsSpec {
  /** 2-9 characters [a-z0-9-], starting with a letter: "kumo", "kt-abcde". */
  prefix: string;
  /** Host indexes: names h<i>, addresses <subnet>+10+i. */
  indexes: readonly number[];
  /** A /24 (or larger /16-/24 prefix) of private address space, e.g. "10.252.0.0/24". */
  subnet: string;
}

export interface NamespaceHostPlan {
  index: number;
  /** h<i>: the host's short name. */
  name: string;
  netns: string;
  /** The host's underlay interface, inside its namespace. */
  underlayDevice: string;
  underlayIp: string;
  /** Its veth peer in the root namespace, a port of the bridge. */
  rootVeth: string;
}

export interface NamespaceHostsPlan {
  prefix: string;
  bridge: string;
  /** Root-namespace address on the bridge. */
  bridgeIp: string;
  subnet: string;
  prefixLength: number;
  hosts: NamespaceHostPlan[];
}

export const NAMESPACE_HOST_UNDERLAY_DEVICE = 'eth0';
const FIRST_HOST_OFFSET = 10;

/** The plan for `spec`; throws naming the field when it cannot be built. */
export function planNamespaceHosts(spec: NamespaceHostsSpec): NamespaceHostsPlan {
  if (!/^[a-z][a-z0-9-]{1,8}$/.test(spec.prefix)) throw new Error(`prefix: "${spec.prefix}" must be 2-9 of a-z 0-9 - starting with a letter`);
  let cidr;
  try {
    cidr = parseCidr(spec.subnet, { field: 'subnet' });
  } catch (e) {
    throw new Error(`subnet: ${(e as Error).message}`);
  }
  if (cidr.prefix < 16 || cidr.prefix > 24) throw new Error(`subnet: ${spec.subnet} must be a /16 to /24`);
  if (spec.indexes.length === 0) throw new Error('indexes: at least one host');
  const seen = new Set<number>();
  const hosts = spec.indexes.map((index) => {
    if (!Number.isInteger(index) || index < 0 || index > 200) throw new Error(`indexes: ${index} is not an integer 0-200`);
    if (seen.has(index)) throw new Error(`indexes: ${index} appears twice`);
    seen.add(index);
    const name = `h${index}`;
    const netns = `${spec.prefix}-${name}`;
    return { index, name, netns, underlayDevice: NAMESPACE_HOST_UNDERLAY_DEVICE, underlayIp: formatIpv4(cidr.network + FIRST_HOST_OFFSET + index), rootVeth: netns };
  });
  return { prefix: spec.prefix, bridge: `${spec.prefix}-br`, bridgeIp: formatIpv4(cidr.network + 1), subnet: formatCidr(cidr), prefixLength: cidr.prefix, hosts };
}

/** Hosts h<first>..h<first+count-1>. */
export function hostIndexes(count: number, first = 0): number[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`hosts: ${count} is not a positive integer`);
  return Array.from({ length: count }, (_, i) => first + i);
}
