/**
 * The specs a server would send for the shared-network scenario, on two testbed hosts:
 *
 *   net-s (shared, 10.60.0.0/24): each host's bridge has the host's "phys0" as port,
 *       a veth into a common switch where the physical gateway 10.60.0.1 lives;
 *       guest s0 on host 0, guest s1 (and with `withS2` s2) on host 1; the
 *       DHCP/DNS/metadata server dhcp-s (10.60.0.250) on host 0, or nowhere
 *       (`withoutServer`).
 */
import type { SecurityGroup } from '@kumo/netcfg';
import type { DhcpServerSpec, HostNetworkSpec, InstanceMetadata, NetworkSpec, NicNetworkSpec } from '../host-network-spec.ts';
import { networkBridgeName } from '../network-names.ts';

export const SHARED = {
  networkId: 'net-s',
  cidr: '10.60.0.0/24',
  gateway: '10.60.0.1',
  serverId: 'dhcp-s',
  serverIp: '10.60.0.250',
  physicalDevice: 'phys0',
  domain: 'shared.internal',
} as const;

export const SHARED_GUESTS = {
  s0: { nicId: 'nic-s0', instanceId: 'i-s0', tap: 'tps0', mac: '52:54:00:70:00:10', ip: '10.60.0.10', hostname: 'vm-s0', host: 0 },
  s1: { nicId: 'nic-s1', instanceId: 'i-s1', tap: 'tps1', mac: '52:54:00:70:00:11', ip: '10.60.0.11', hostname: 'vm-s1', host: 1 },
  /** Only with `withS2` (a spec change). */
  s2: { nicId: 'nic-s2', instanceId: 'i-s2', tap: 'tps2', mac: '52:54:00:70:00:12', ip: '10.60.0.12', hostname: 'vm-s2', host: 1 },
} as const;

type Guest = (typeof SHARED_GUESTS)[keyof typeof SHARED_GUESTS];

export interface SharedScenarioOptions {
  generation: number;
  /** Host 0 without the DHCP server (it is torn down). */
  withoutServer?: boolean;
  /** A third guest, s2 on host 1. */
  withS2?: boolean;
}

const network: NetworkSpec = {
  networkId: SHARED.networkId, kind: 'shared', bridge: networkBridgeName(SHARED.networkId), mtu: 1500, physicalDevice: SHARED.physicalDevice,
};

function guestsOf(o: SharedScenarioOptions): Guest[] {
  return o.withS2 === true ? Object.values(SHARED_GUESTS) : [SHARED_GUESTS.s0, SHARED_GUESTS.s1];
}

const groups = (o: SharedScenarioOptions): SecurityGroup[] => [{
  id: 'sg-shared',
  ingress: [{ id: 'ping-net', protocol: 'icmp', cidr: SHARED.cidr }],
  egress: [{ protocol: 'all', cidr: '0.0.0.0/0' }],
  memberIps: guestsOf(o).map((g) => g.ip),
}];

function nic(g: Guest): NicNetworkSpec {
  return { instanceId: g.instanceId, nicId: g.nicId, networkId: SHARED.networkId, tap: g.tap, mac: g.mac, ips: [g.ip], securityGroupIds: ['sg-shared'], dnsServers: [SHARED.serverIp] };
}

function metadataOf(g: Guest): InstanceMetadata {
  return { instanceId: g.instanceId, ip: g.ip, hostname: g.hostname, mac: g.mac, userData: Buffer.from(`#cloud-config\nhostname: ${g.hostname}\n`).toString('base64') };
}

export function dhcpServer(o: Pick<SharedScenarioOptions, 'withS2'> = {}): DhcpServerSpec {
  const guests = guestsOf({ generation: 0, ...o });
  return {
    serverId: SHARED.serverId, networkId: SHARED.networkId, ip: SHARED.serverIp, cidr: SHARED.cidr, gateway: SHARED.gateway,
    dhcp: { domain: SHARED.domain, hosts: guests.map((g) => ({ mac: g.mac, ip: g.ip, hostname: g.hostname })) },
    metadata: { instances: guests.map(metadataOf) },
  };
}

export function sharedSpec(host: 0 | 1, o: SharedScenarioOptions): HostNetworkSpec {
  return {
    version: 1, hostId: `host-${host}`, generation: o.generation,
    networks: [network],
    nics: guestsOf(o).filter((g) => g.host === host).map(nic),
    securityGroups: groups(o),
    routers: [],
    dhcpServers: host === 0 && o.withoutServer !== true ? [dhcpServer(o)] : [],
  };
}
