/**
 * The `ip` commands that bring one network's devices on a host from what is observed
 * to what the spec wants. Pure. Two phases, re-observing in between:
 *
 * 1. planNetworkCreation: devices that are missing (or are of the wrong kind or have
 *    immutable attributes that differ — VNI, VTEP, underlay, VLAN id — and are
 *    deleted first). When nothing of the network exists, this is netcfg's
 *    planVxlanNetwork / planVlanNetwork / planFlatNetwork as is; single missing
 *    devices are created with the same argv, taken from that plan.
 * 2. planNetworkAttributes: ports, MTU and up state of the bridge, its segment
 *    device or uplink, and the NICs' taps that exist (QEMU creates them; after a
 *    bridge was rebuilt they must be put back on it).
 *
 * FDB flood entries are synced separately with netcfg's planFdbSync.
 */
import {
  planFlatNetwork, planVlanNetwork, planVxlanNetwork, toolArgv, VXLAN_OVERHEAD_BYTES, VXLAN_UDP_PORT,
} from '@kumo/netcfg';
import type { NetworkSpec } from '../host-network-spec.ts';
import type { ObservedLink } from '../ip-json.ts';
import { networkSegmentDeviceName } from '../network-names.ts';

export interface LinkStep {
  argv: string[];
  detail: string;
  /** Undo of a creation, registered before the next step runs. */
  undo?: string[];
  /** Set when the step re-attaches a NIC's tap. */
  tap?: string;
}

/** The full creation plan netcfg gives for the network. */
export function fullNetworkPlan(netns: string | undefined, net: NetworkSpec): string[][] {
  const ns = netns === undefined ? {} : { netns };
  if (net.kind === 'shared') return planFlatNetwork({ ...ns, bridge: net.bridge, uplink: net.physicalDevice, mtu: net.mtu });
  const segmentDevice = networkSegmentDeviceName(net.networkId);
  if (net.segment.type === 'vxlan') {
    return planVxlanNetwork({
      ...ns,
      bridge: net.bridge,
      vxlan: segmentDevice,
      vni: net.segment.vni,
      localIp: net.segment.underlay.localIp,
      underlayDevice: net.segment.underlay.device,
      underlayMtu: net.mtu + VXLAN_OVERHEAD_BYTES,
      remoteIps: net.segment.peers,
    });
  }
  return planVlanNetwork({ ...ns, bridge: net.bridge, parentDevice: net.segment.device, vlanId: net.segment.vlanId, vlanDevice: segmentDevice, mtu: net.mtu });
}

/** The `ip link add <name> ... type <kind>` line of a plan. */
function addLine(plan: string[][], name: string): string[] {
  const line = plan.find((argv) => argv.includes('add') && argv.includes(name) && argv.includes('type'));
  if (line === undefined) throw new Error(`netcfg plan has no creation of ${name}`);
  return line;
}

/** The segment device (VXLAN or VLAN) of an isolated network; undefined for shared ones. */
export function segmentDeviceOf(net: NetworkSpec): string | undefined {
  return net.kind === 'isolated' ? networkSegmentDeviceName(net.networkId) : undefined;
}

/** Whether an existing segment device matches the spec in its immutable attributes. */
export function segmentMatches(net: NetworkSpec, link: ObservedLink): boolean {
  if (net.kind !== 'isolated') return true;
  const s = net.segment;
  if (s.type === 'vxlan') {
    const v = link.vxlan;
    return link.kind === 'vxlan' && v !== undefined && v.id === s.vni && v.local === s.underlay.localIp
      && v.device === s.underlay.device && (v.port ?? VXLAN_UDP_PORT) === VXLAN_UDP_PORT && !v.learning;
  }
  return link.kind === 'vlan' && link.vlan?.id === s.vlanId && link.vlan.device === s.device;
}

export function planNetworkCreation(netns: string | undefined, net: NetworkSpec, links: ReadonlyMap<string, ObservedLink>): LinkStep[] {
  const ip = toolArgv('ip', netns);
  const plan = fullNetworkPlan(netns, net);
  const del = (name: string): string[] => [...ip, 'link', 'del', name];
  const bridge = links.get(net.bridge);
  const segment = segmentDeviceOf(net);
  const seg = segment === undefined ? undefined : links.get(segment);
  const steps: LinkStep[] = [];

  if (bridge === undefined && seg === undefined) {
    const created = [net.bridge, ...(segment === undefined ? [] : [segment])];
    return plan.map((argv) => {
      const name = created.find((n) => argv.includes('add') && argv.includes(n) && argv.includes('type'));
      return { argv, detail: argv.slice(ip.length).join(' '), ...(name === undefined ? {} : { undo: del(name) }) };
    });
  }
  if (bridge !== undefined && bridge.kind !== 'bridge') {
    steps.push({ argv: del(net.bridge), detail: `delete ${net.bridge}: it is a ${bridge.kind ?? 'plain'} device, not a bridge` });
  }
  if (bridge === undefined || bridge.kind !== 'bridge') {
    steps.push({ argv: addLine(plan, net.bridge), detail: `create bridge ${net.bridge}`, undo: del(net.bridge) });
  }
  if (segment !== undefined) {
    if (seg !== undefined && !segmentMatches(net, seg)) {
      steps.push({ argv: del(segment), detail: `delete ${segment}: its kind, id, VTEP or underlay differs from the spec` });
    }
    if (seg === undefined || !segmentMatches(net, seg)) {
      steps.push({ argv: addLine(plan, segment), detail: `create segment device ${segment}`, undo: del(segment) });
    }
  }
  return steps;
}

export function planNetworkAttributes(
  netns: string | undefined,
  net: NetworkSpec,
  links: ReadonlyMap<string, ObservedLink>,
  taps: readonly string[],
): LinkStep[] {
  const ip = toolArgv('ip', netns);
  const steps: LinkStep[] = [];
  const mtu = String(net.mtu);
  const bridge = links.get(net.bridge);
  if (bridge === undefined) return steps; // creation failed; reported there
  const port = net.kind === 'shared' ? net.physicalDevice : segmentDeviceOf(net)!;
  const portLink = links.get(port);
  if (portLink === undefined) throw Object.assign(new Error(`device ${port} of network ${net.networkId} does not exist on this host`), { code: 'invalid' });
  if (bridge.mtu !== net.mtu) steps.push({ argv: [...ip, 'link', 'set', net.bridge, 'mtu', mtu], detail: `set ${net.bridge} mtu ${mtu}` });
  // The uplink of a shared network keeps its own MTU (the physical network's); the segment device gets the network's.
  if (net.kind === 'isolated' && portLink.mtu !== net.mtu) steps.push({ argv: [...ip, 'link', 'set', port, 'mtu', mtu], detail: `set ${port} mtu ${mtu}` });
  if (portLink.master !== net.bridge) steps.push({ argv: [...ip, 'link', 'set', port, 'master', net.bridge], detail: `attach ${port} to ${net.bridge}` });
  if (!portLink.up) steps.push({ argv: [...ip, 'link', 'set', port, 'up'], detail: `set ${port} up` });
  if (!bridge.up) steps.push({ argv: [...ip, 'link', 'set', net.bridge, 'up'], detail: `set ${net.bridge} up` });
  for (const tap of taps) {
    const link = links.get(tap);
    if (link === undefined) continue; // the instance is not running here (yet)
    if (link.master !== net.bridge || link.mtu !== net.mtu || !link.up) {
      steps.push({ argv: [...ip, 'link', 'set', 'dev', tap, 'mtu', mtu, 'master', net.bridge, 'up'], detail: `attach tap ${tap} to ${net.bridge}`, tap });
    }
  }
  return steps;
}
