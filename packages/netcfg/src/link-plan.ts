/**
 * Host link plans: the ordered `ip`/`bridge` argv lists that build a guest network's
 * devices on one host. Pure — the agent runs them (and registers the teardown plan
 * as its undo before running the first command).
 *
 * isolated (VXLAN):  kbr<vni> bridge  <-  kvx<vni> vxlan (nolearning, static FDB)
 * isolated (VLAN):   kbr<vni> bridge  <-  <parent>.<vlan> 802.1Q (only where supported)
 * shared (flat):     <bridge>         <-  physical uplink
 */
import { NetcfgError } from './netcfg-error.ts';
import { VNI_MAX, VNI_MIN } from './ipam.ts';
import { formatIpv4, parseIpv4 } from './ipv4-cidr.ts';
import { floodEntries, toolArgv } from './bridge-fdb.ts';
import { checkInteger, checkInterfaceName } from './validate.ts';

export { FLOOD_MAC, floodEntries, parseBridgeFdb, planFdbSync, type FdbEntry, type FdbSyncInput, type FdbTarget } from './bridge-fdb.ts';
export { hostSupportsVlan, type CapabilityCheck, type HostNetCapabilities } from './host-capabilities.ts';

/** IANA VXLAN port. */
export const VXLAN_UDP_PORT = 4789;
/** Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) header bytes. */
export const VXLAN_OVERHEAD_BYTES = 50;

/** MTU of a VXLAN segment over an underlay of the given MTU (1500 -> 1450). */
export function vxlanMtu(underlayMtu: number): number {
  checkInteger(underlayMtu, 68 + VXLAN_OVERHEAD_BYTES, 65535, 'underlayMtu');
  return underlayMtu - VXLAN_OVERHEAD_BYTES;
}

/** Device names of a VXLAN network on every host: kbr<vni> and kvx<vni> (<= 11 chars). */
export function vxlanDeviceNames(vni: number): { bridge: string; vxlan: string } {
  checkInteger(vni, VNI_MIN, VNI_MAX, 'vni');
  return { bridge: `kbr${vni}`, vxlan: `kvx${vni}` };
}

export interface VxlanNetworkSpec {
  /** Network namespace to build in (testbeds, router hosts); omitted: current one. */
  netns?: string;
  bridge: string;
  vxlan: string;
  vni: number;
  /** This host's underlay (VTEP) address. */
  localIp: string;
  /** The underlay interface carrying VXLAN. */
  underlayDevice: string;
  /** Default 1500. */
  underlayMtu?: number;
  /** The other hosts' underlay addresses in this network (flood list). */
  remoteIps: string[];
}

/** Creates bridge + VXLAN device, enslaves, brings up, then programs the flood list. */
export function planVxlanNetwork(spec: VxlanNetworkSpec): string[][] {
  const bridge = checkInterfaceName(spec.bridge, 'bridge');
  const vx = checkInterfaceName(spec.vxlan, 'vxlan');
  const under = checkInterfaceName(spec.underlayDevice, 'underlayDevice');
  checkInteger(spec.vni, VNI_MIN, VNI_MAX, 'vni');
  const local = formatIpv4(parseIpv4(spec.localIp, 'localIp'));
  const mtu = String(vxlanMtu(spec.underlayMtu ?? 1500));
  const remotes = floodEntries(spec.remoteIps);
  if (remotes.some((r) => r.dst === local)) throw new NetcfgError('conflict', 'remoteIps', `remoteIps contains this host's own address ${local}`);
  const ip = toolArgv('ip', spec.netns);
  const br = toolArgv('bridge', spec.netns);
  return [
    [...ip, 'link', 'add', bridge, 'mtu', mtu, 'type', 'bridge'],
    [...ip, 'link', 'add', vx, 'mtu', mtu, 'type', 'vxlan', 'id', String(spec.vni), 'local', local,
      'dstport', String(VXLAN_UDP_PORT), 'nolearning', 'dev', under],
    [...ip, 'link', 'set', vx, 'master', bridge],
    [...ip, 'link', 'set', vx, 'up'],
    [...ip, 'link', 'set', bridge, 'up'],
    ...[...new Set(remotes.map((r) => r.dst))]
      .sort((a, b) => parseIpv4(a) - parseIpv4(b))
      .map((dst) => [...br, 'fdb', 'append', '00:00:00:00:00:00', 'dev', vx, 'dst', dst]),
  ];
}

/** Deletes devices (the bridge last); deleting a device also drops its FDB entries. */
export function planLinkTeardown(input: { netns?: string; devices: string[] }): string[][] {
  const ip = toolArgv('ip', input.netns);
  return input.devices.map((d, i) => [...ip, 'link', 'del', checkInterfaceName(d, `devices[${i}]`)]);
}

export interface FlatNetworkSpec {
  netns?: string;
  bridge: string;
  /** The physical interface of the zone's physical network. */
  uplink: string;
  mtu?: number;
}

/** A shared (flat) network: the bridge takes the physical uplink as a port. */
export function planFlatNetwork(spec: FlatNetworkSpec): string[][] {
  const bridge = checkInterfaceName(spec.bridge, 'bridge');
  const uplink = checkInterfaceName(spec.uplink, 'uplink');
  const ip = toolArgv('ip', spec.netns);
  const mtu = spec.mtu === undefined ? [] : ['mtu', String(checkInteger(spec.mtu, 68, 65535, 'mtu'))];
  return [
    [...ip, 'link', 'add', bridge, ...mtu, 'type', 'bridge'],
    [...ip, 'link', 'set', uplink, 'master', bridge],
    [...ip, 'link', 'set', uplink, 'up'],
    [...ip, 'link', 'set', bridge, 'up'],
  ];
}

export interface VlanNetworkSpec {
  netns?: string;
  bridge: string;
  /** Trunk interface carrying the tagged frames. */
  parentDevice: string;
  /** 1-4094. */
  vlanId: number;
  /** Defaults to <parent>.<vlan>; must fit 15 characters. */
  vlanDevice?: string;
  mtu?: number;
}

/**
 * A VLAN-backed network. Needs 802.1Q in the host kernel: check hostSupportsVlan()
 * first (the machines Kumo is developed on lack it, so this is rendered and tested
 * as text only).
 */
export function planVlanNetwork(spec: VlanNetworkSpec): string[][] {
  const bridge = checkInterfaceName(spec.bridge, 'bridge');
  const parent = checkInterfaceName(spec.parentDevice, 'parentDevice');
  const vlan = checkInteger(spec.vlanId, 1, 4094, 'vlanId');
  const name = spec.vlanDevice ?? `${parent}.${vlan}`;
  if (name.length > 15) {
    throw new NetcfgError('invalid', 'vlanDevice', `the VLAN interface name ${name} is longer than 15 characters; pass a shorter vlanDevice`);
  }
  checkInterfaceName(name, 'vlanDevice');
  const ip = toolArgv('ip', spec.netns);
  const mtu = spec.mtu === undefined ? [] : ['mtu', String(checkInteger(spec.mtu, 68, 65535, 'mtu'))];
  return [
    [...ip, 'link', 'add', bridge, ...mtu, 'type', 'bridge'],
    [...ip, 'link', 'add', 'link', parent, 'name', name, ...mtu, 'type', 'vlan', 'id', String(vlan)],
    [...ip, 'link', 'set', name, 'master', bridge],
    [...ip, 'link', 'set', name, 'up'],
    [...ip, 'link', 'set', bridge, 'up'],
  ];
}
