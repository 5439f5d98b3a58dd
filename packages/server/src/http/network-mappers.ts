import type * as api from '@kumo/api';
import { netmaskOf, parseCidr, parseIpv4 } from '@kumo/netcfg';
import type {
  EgressRuleRow, FirewallRuleRow, LoadBalancerRow, NetworkRow, NicRow, PhysicalNetworkHostRow, PhysicalNetworkRow, PortForwardRow,
  PublicIpRangeRow, PublicIpRow, RouterRow, SecurityGroupRow, SecurityGroupRuleRow, TrafficType,
} from '@kumo/db';
import { dhcpServerIpOf } from '../services/network-dhcp-server.ts';

/** Networking rows as stored → resources as the API shows them. No logic beyond reshaping. */
const range = (from: number | null, to: number | null) => (from === null || to === null ? null : { from, to });
const intRange = (start: number | null, end: number | null) => (start === null || end === null ? null : { start, end });

export const toPhysicalNetwork = (r: PhysicalNetworkRow): api.PhysicalNetwork => ({
  id: r.id, zoneId: r.zoneId, name: r.name, trafficTypes: JSON.parse(r.trafficTypes) as TrafficType[], device: r.device,
  deviceKind: r.deviceKind, mtu: r.mtu, vniRange: intRange(r.vniStart, r.vniEnd), vlanRange: intRange(r.vlanStart, r.vlanEnd), createdAt: r.createdAt,
});
export const toPhysicalNetworkHost = (r: PhysicalNetworkHostRow): api.PhysicalNetworkHost => ({
  physicalNetworkId: r.physicalNetworkId, hostId: r.hostId, device: r.device, address: r.address, createdAt: r.createdAt,
});
export const toPublicIpRange = (r: PublicIpRangeRow, allocated: number): api.PublicIpRange => ({
  id: r.id, zoneId: r.zoneId, physicalNetworkId: r.physicalNetworkId, cidr: r.cidr, gateway: r.gateway, startIp: r.startIp, endIp: r.endIp,
  vlan: r.vlan, size: parseIpv4(r.endIp) - parseIpv4(r.startIp) + 1, allocated, createdAt: r.createdAt,
});
export const toPublicIp = (r: PublicIpRow): api.PublicIp => ({
  id: r.id, accountId: r.accountId, zoneId: r.zoneId, rangeId: r.rangeId, address: r.address, networkId: r.networkId,
  sourceNat: r.sourceNat === 1, staticNatNicId: r.staticNatNicId, createdAt: r.createdAt,
});
export const networkSegment = (r: Pick<NetworkRow, 'vni' | 'vlan'>): 'vxlan' | 'vlan' | 'flat' => (r.vni !== null ? 'vxlan' : r.vlan !== null ? 'vlan' : 'flat');
export const netmaskOfCidr = (cidr: string): string => netmaskOf(parseCidr(cidr).prefix);
export const toNetwork = (r: NetworkRow, router: Pick<RouterRow, 'id' | 'state' | 'stateReason'> | undefined, sourceNatIp: string | undefined): api.Network => ({
  id: r.id, accountId: r.accountId, zoneId: r.zoneId, physicalNetworkId: r.physicalNetworkId, name: r.name, description: r.description,
  kind: r.kind, cidr: r.cidr, gateway: r.gateway, netmask: netmaskOfCidr(r.cidr), ipRange: { start: r.rangeStart, end: r.rangeEnd },
  segment: networkSegment(r), vni: r.vni, vlan: r.vlan, mtu: r.mtu, dnsDomain: r.dnsDomain, egressDefaultPolicy: r.egressDefaultPolicy,
  routerId: router?.id ?? null, sourceNatIp: sourceNatIp ?? null, routerState: router?.state ?? null, routerStateReason: router?.stateReason ?? null, dhcpServerIp: dhcpServerIpOf(r), configVersion: r.configVersion, createdAt: r.createdAt, updatedAt: r.updatedAt,
});
export const toRouter = (r: RouterRow): api.Router => ({
  id: r.id, accountId: r.accountId, networkId: r.networkId, hostId: r.hostId, publicIpId: r.publicIpId, state: r.state, stateReason: r.stateReason, version: r.version,
  createdAt: r.createdAt, updatedAt: r.updatedAt,
});
export const toNic = (r: NicRow, net: Pick<NetworkRow, 'gateway' | 'cidr'>, securityGroupIds: string[]): api.Nic => ({
  id: r.id, accountId: r.accountId, instanceId: r.instanceId, networkId: r.networkId, deviceIndex: r.deviceIndex, mac: r.mac, ip: r.ip,
  gateway: net.gateway, netmask: netmaskOfCidr(net.cidr), securityGroupIds, pciSlot: r.pciSlot, createdAt: r.createdAt,
});
export const toPortForward = (r: PortForwardRow, publicIp: string, privateIp: string): api.PortForward => ({
  id: r.id, accountId: r.accountId, networkId: r.networkId, publicIpId: r.publicIpId, publicIp, protocol: r.protocol,
  publicPorts: { from: r.publicPortStart, to: r.publicPortEnd }, nicId: r.nicId, privateIp,
  privatePorts: { from: r.privatePortStart, to: r.privatePortEnd }, createdAt: r.createdAt,
});
export const toFirewallRule = (r: FirewallRuleRow, publicIp: string): api.FirewallRule => ({
  id: r.id, accountId: r.accountId, networkId: r.networkId, publicIpId: r.publicIpId, publicIp, protocol: r.protocol,
  ports: range(r.portStart, r.portEnd), icmpType: r.icmpType, icmpCode: r.icmpCode, sourceCidrs: JSON.parse(r.sourceCidrs) as string[], createdAt: r.createdAt,
});
export const toEgressRule = (r: EgressRuleRow): api.EgressRule => ({
  id: r.id, accountId: r.accountId, networkId: r.networkId, protocol: r.protocol, ports: range(r.portStart, r.portEnd),
  icmpType: r.icmpType, icmpCode: r.icmpCode, destinationCidrs: JSON.parse(r.destinationCidrs) as string[], createdAt: r.createdAt,
});
export const toLoadBalancer = (r: LoadBalancerRow, publicIp: string, memberNicIds: string[]): api.LoadBalancer => ({
  id: r.id, accountId: r.accountId, networkId: r.networkId, publicIpId: r.publicIpId, publicIp, name: r.name, publicPort: r.publicPort,
  privatePort: r.privatePort, algorithm: r.algorithm,
  healthCheck: r.healthIntervalMs === null ? null : { intervalMs: r.healthIntervalMs, rise: r.healthRise ?? 2, fall: r.healthFall ?? 3, httpPath: r.healthHttpPath },
  memberNicIds, createdAt: r.createdAt,
});
export const toSecurityGroupRule = (r: SecurityGroupRuleRow): api.SecurityGroupRule => ({
  id: r.id, securityGroupId: r.securityGroupId, direction: r.direction, protocol: r.protocol, ports: range(r.portStart, r.portEnd),
  icmpType: r.icmpType, icmpCode: r.icmpCode, cidr: r.cidr, remoteGroupId: r.remoteGroupId, createdAt: r.createdAt,
});
export const toSecurityGroup = (r: SecurityGroupRow, rules: SecurityGroupRuleRow[]): api.SecurityGroup => ({
  id: r.id, accountId: r.accountId, name: r.name, description: r.description, rules: rules.map(toSecurityGroupRule), createdAt: r.createdAt,
});
