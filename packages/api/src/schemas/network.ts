import { Type, type Static } from '@sinclair/typebox';
import { httpCheckPathMaxLength, httpCheckPathPattern } from '@kumo/core/http-check-path';
import { AnyId, Description, ListQueryBase, Name, Nullable, Timestamp } from './common.ts';

/** Guest networking: physical networks, public IPs, guest networks, NICs, NAT, firewall, load balancers, security groups. */

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

const octet = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
export const Ipv4 = Type.String({ maxLength: 15, pattern: `^(${octet}\\.){3}${octet}$`, description: 'IPv4 address, e.g. 10.1.0.5' });
export const Cidr = Type.String({ maxLength: 18, pattern: `^(${octet}\\.){3}${octet}/(3[0-2]|[12]?[0-9])$`, description: 'IPv4 CIDR, e.g. 10.1.0.0/24' });
export const InterfaceName = Type.String({ minLength: 1, maxLength: 15, pattern: '^[A-Za-z0-9_.-]+$', description: 'Linux interface name (at most 15 characters)' });
export const Port = Type.Integer({ minimum: 1, maximum: 65535 });
export const PortRange = Type.Object({ from: Port, to: Port }, { additionalProperties: false, description: 'inclusive port range' });
export const IpRange = Type.Object({ start: Ipv4, end: Ipv4 }, { additionalProperties: false, description: 'inclusive address range' });
const intRange = (min: number, max: number, what: string) =>
  Type.Object({ start: Type.Integer({ minimum: min, maximum: max }), end: Type.Integer({ minimum: min, maximum: max }) }, { additionalProperties: false, description: `inclusive ${what} range` });
export const VniRange = intRange(1, 16777215, 'VXLAN VNI');
export const VlanRange = intRange(1, 4094, 'VLAN id');
export const VlanId = Type.Integer({ minimum: 1, maximum: 4094 });
export const TrafficType = lit(['management', 'guest', 'public'] as const);
export const NetworkKind = lit(['shared', 'isolated'] as const);
export const RuleProtocol = lit(['tcp', 'udp', 'icmp', 'all'] as const);
export const ForwardProtocol = lit(['tcp', 'udp'] as const);
export const EgressPolicy = lit(['allow', 'deny'] as const);
export const IcmpValue = Type.Integer({ minimum: 0, maximum: 255 });
export const DnsDomain = Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$', description: 'DNS domain of instance names, e.g. cloud.internal' });
const CidrList = Type.Array(Cidr, { minItems: 1, maxItems: 32 });

// ---- physical networks (admin) ----
export const PhysicalNetwork = Type.Object({
  id: Type.String(), zoneId: Type.String(), name: Type.String(), trafficTypes: Type.Array(TrafficType),
  device: Type.String({ description: 'default device on every host; a host mapping overrides it' }),
  deviceKind: lit(['interface', 'bridge'] as const), mtu: Type.Integer({ description: 'underlay MTU' }),
  vniRange: Nullable(VniRange), vlanRange: Nullable(VlanRange), createdAt: Timestamp,
});
export const PhysicalNetworkCreate = Type.Object({
  zoneId: AnyId, name: Name,
  trafficTypes: Type.Array(TrafficType, { minItems: 1, maxItems: 3, uniqueItems: true }),
  device: InterfaceName,
  deviceKind: Type.Optional(lit(['interface', 'bridge'] as const)),
  mtu: Type.Optional(Type.Integer({ minimum: 1280, maximum: 9216 })),
  vniRange: Type.Optional(VniRange),
  vlanRange: Type.Optional(VlanRange),
}, { additionalProperties: false });
export const PhysicalNetworkUpdate = Type.Object({
  device: Type.Optional(InterfaceName),
  deviceKind: Type.Optional(lit(['interface', 'bridge'] as const)),
  vniRange: Type.Optional(Nullable(VniRange)),
  vlanRange: Type.Optional(Nullable(VlanRange)),
}, { additionalProperties: false, minProperties: 1 });
export const PhysicalNetworkHost = Type.Object({
  physicalNetworkId: Type.String(), hostId: Type.String(), device: Type.String(), address: Type.String(), createdAt: Timestamp,
});
export const PhysicalNetworkHostSet = Type.Object({
  hostId: AnyId,
  device: Type.Optional(InterfaceName),
  address: Type.Optional(Ipv4),
}, { additionalProperties: false });

// ---- public IP ranges (admin) and public IPs ----
export const PublicIpRange = Type.Object({
  id: Type.String(), zoneId: Type.String(), physicalNetworkId: Type.String(), cidr: Type.String(), gateway: Type.String(),
  startIp: Type.String(), endIp: Type.String(), vlan: Nullable(Type.Integer()), size: Type.Integer(), allocated: Type.Integer(), createdAt: Timestamp,
});
export const PublicIpRangeCreate = Type.Object({
  zoneId: AnyId, cidr: Cidr, gateway: Ipv4, startIp: Ipv4, endIp: Ipv4, vlan: Type.Optional(VlanId),
}, { additionalProperties: false });
export const PublicIp = Type.Object({
  id: Type.String(), accountId: Type.String(), zoneId: Type.String(), rangeId: Type.String(), address: Type.String(),
  networkId: Nullable(Type.String()), sourceNat: Type.Boolean(), staticNatNicId: Nullable(Type.String()), createdAt: Timestamp,
});
export const PublicIpAllocate = Type.Object({
  networkId: AnyId,
  address: Type.Optional(Ipv4),
}, { additionalProperties: false });
export const StaticNatEnable = Type.Object({ nicId: AnyId }, { additionalProperties: false });

// ---- guest networks ----
export const Network = Type.Object({
  id: Type.String(), accountId: Type.String(), zoneId: Type.String(), physicalNetworkId: Type.String(), name: Type.String(),
  description: Type.String(), kind: NetworkKind, cidr: Type.String(), gateway: Type.String(), netmask: Type.String(),
  ipRange: Type.Object({ start: Type.String(), end: Type.String() }),
  segment: lit(['vxlan', 'vlan', 'flat'] as const), vni: Nullable(Type.Integer()), vlan: Nullable(Type.Integer()),
  mtu: Type.Integer(), dnsDomain: Type.String(), egressDefaultPolicy: EgressPolicy,
  routerId: Nullable(Type.String({ description: 'the router (isolated) or DHCP server (shared) of the network' })), sourceNatIp: Nullable(Type.String()),
  routerState: Nullable(Type.String({ description: 'pending | starting | running | error: error while its host cannot apply the network\'s configuration' })),
  routerStateReason: Nullable(Type.String({ description: 'why the router is in error; null otherwise' })),
  dhcpServerIp: Nullable(Type.String({ description: 'shared networks: the address of Kumo\'s DHCP, DNS and metadata server (the last of ipRange)' })),
  configVersion: Type.Integer({ description: 'bumped by every change hosts must apply' }), createdAt: Timestamp, updatedAt: Timestamp,
});
export const NetworkCreate = Type.Object({
  name: Name,
  zoneId: AnyId,
  kind: Type.Optional(NetworkKind),
  description: Type.Optional(Description),
  cidr: Cidr,
  gateway: Type.Optional(Ipv4),
  ipRange: Type.Optional(IpRange),
  segment: Type.Optional(lit(['vxlan', 'vlan'] as const)),
  vlan: Type.Optional(VlanId),
  physicalNetworkId: Type.Optional(AnyId),
  mtu: Type.Optional(Type.Integer({ minimum: 576, maximum: 9216 })),
  dnsDomain: Type.Optional(DnsDomain),
  egressDefaultPolicy: Type.Optional(EgressPolicy),
}, { additionalProperties: false });
export const NetworkUpdate = Type.Object({
  description: Type.Optional(Description),
  egressDefaultPolicy: Type.Optional(EgressPolicy),
}, { additionalProperties: false, minProperties: 1 });

export const Router = Type.Object({
  id: Type.String(), accountId: Type.String(), networkId: Type.String(), hostId: Nullable(Type.String()),
  publicIpId: Nullable(Type.String()), state: Type.String(),
  stateReason: Nullable(Type.String({ description: 'why the router is in error (its host\'s apply report); null otherwise' })),
  version: Type.Integer(), createdAt: Timestamp, updatedAt: Timestamp,
});

// ---- NICs ----
export const Nic = Type.Object({
  id: Type.String(), accountId: Type.String(), instanceId: Type.String(), networkId: Type.String(), deviceIndex: Type.Integer(),
  mac: Type.String(), ip: Type.String(), gateway: Type.String(), netmask: Type.String(), securityGroupIds: Type.Array(Type.String()),
  pciSlot: Type.Integer({ description: 'the NIC\'s slot on the guest\'s PCI bus (0x08–0x0f), fixed for its lifetime: slot 8 is enp0s8 in the guest' }),
  createdAt: Timestamp,
});
const SecurityGroupIds = Type.Array(AnyId, { minItems: 1, maxItems: 16, description: 'default: the account\'s default group' });
export const NicRequest = Type.Object({
  networkId: AnyId,
  ip: Type.Optional(Ipv4),
  securityGroupIds: Type.Optional(SecurityGroupIds),
}, { additionalProperties: false });
/** The optional `nics` field of an instance create request. */
export const NicRequests = Type.Array(NicRequest, {
  minItems: 0, maxItems: 8,
  description: 'one NIC per network, in device order; omitted: one NIC on the account\'s network named "default" in the instance\'s zone, if it has one; []: no NIC',
});
export const NicUpdate = Type.Object({ securityGroupIds: SecurityGroupIds }, { additionalProperties: false });

// ---- port forwards, firewall, egress ----
export const PortForward = Type.Object({
  id: Type.String(), accountId: Type.String(), networkId: Type.String(), publicIpId: Type.String(), publicIp: Type.String(),
  protocol: ForwardProtocol, publicPorts: PortRange, nicId: Type.String(), privateIp: Type.String(), privatePorts: PortRange, createdAt: Timestamp,
});
export const PortForwardCreate = Type.Object({
  publicIpId: AnyId, protocol: ForwardProtocol, publicPorts: PortRange, nicId: AnyId,
  privatePorts: Type.Optional(PortRange),
}, { additionalProperties: false });

const trafficFields = {
  protocol: RuleProtocol,
  ports: Type.Optional(PortRange),
  icmpType: Type.Optional(IcmpValue),
  icmpCode: Type.Optional(IcmpValue),
};
const trafficOut = {
  protocol: RuleProtocol, ports: Nullable(PortRange), icmpType: Nullable(Type.Integer()), icmpCode: Nullable(Type.Integer()),
};
export const FirewallRule = Type.Object({
  id: Type.String(), accountId: Type.String(), networkId: Type.String(), publicIpId: Type.String(), publicIp: Type.String(),
  ...trafficOut, sourceCidrs: Type.Array(Type.String()), createdAt: Timestamp,
});
export const FirewallRuleCreate = Type.Object({
  publicIpId: AnyId, ...trafficFields, sourceCidrs: Type.Optional(CidrList),
}, { additionalProperties: false });
export const EgressRule = Type.Object({
  id: Type.String(), accountId: Type.String(), networkId: Type.String(), ...trafficOut, destinationCidrs: Type.Array(Type.String()), createdAt: Timestamp,
});
export const EgressRuleCreate = Type.Object({
  networkId: AnyId, ...trafficFields, destinationCidrs: Type.Optional(CidrList),
}, { additionalProperties: false });

// ---- load balancers ----
export const LbAlgorithm = lit(['roundrobin', 'leastconn'] as const);
export const HealthCheck = Type.Object({
  intervalMs: Type.Integer(), rise: Type.Integer(), fall: Type.Integer(), httpPath: Nullable(Type.String()),
});
export const HealthCheckInput = Type.Object({
  intervalMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })),
  rise: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  fall: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  httpPath: Type.Optional(Type.String({
    minLength: 1, maxLength: httpCheckPathMaxLength, pattern: httpCheckPathPattern,
    description: 'starts with /; letters, digits and _.~!&()*+,;=:@%/?- only (no quotes, spaces, backslashes, # or $: HAProxy could not take them)',
  })),
}, { additionalProperties: false });
export const LoadBalancer = Type.Object({
  id: Type.String(), accountId: Type.String(), networkId: Type.String(), publicIpId: Type.String(), publicIp: Type.String(),
  name: Type.String(), publicPort: Type.Integer(), privatePort: Type.Integer(), algorithm: LbAlgorithm,
  healthCheck: Nullable(HealthCheck), memberNicIds: Type.Array(Type.String()), createdAt: Timestamp,
});
export const LoadBalancerCreate = Type.Object({
  name: Name, publicIpId: AnyId, publicPort: Port, privatePort: Type.Optional(Port), algorithm: Type.Optional(LbAlgorithm),
  healthCheck: Type.Optional(HealthCheckInput),
  nicIds: Type.Optional(Type.Array(AnyId, { maxItems: 64, uniqueItems: true })),
}, { additionalProperties: false });
export const LoadBalancerUpdate = Type.Object({
  privatePort: Type.Optional(Port), algorithm: Type.Optional(LbAlgorithm), healthCheck: Type.Optional(Nullable(HealthCheckInput)),
}, { additionalProperties: false, minProperties: 1 });
export const LoadBalancerMember = Type.Object({
  loadBalancerId: Type.String(), nicId: Type.String(), instanceId: Type.String(), ip: Type.String(), createdAt: Timestamp,
});
export const LoadBalancerMemberAdd = Type.Object({ nicId: AnyId }, { additionalProperties: false });

// ---- security groups ----
export const SecurityGroupRule = Type.Object({
  id: Type.String(), securityGroupId: Type.String(), direction: lit(['ingress', 'egress'] as const), ...trafficOut,
  cidr: Nullable(Type.String()), remoteGroupId: Nullable(Type.String()), createdAt: Timestamp,
});
export const SecurityGroupRuleCreate = Type.Object({
  direction: lit(['ingress', 'egress'] as const), ...trafficFields,
  cidr: Type.Optional(Cidr),
  remoteGroupId: Type.Optional(AnyId),
}, { additionalProperties: false });
export const SecurityGroup = Type.Object({
  id: Type.String(), accountId: Type.String(), name: Type.String(), description: Type.String(),
  rules: Type.Array(SecurityGroupRule), createdAt: Timestamp,
});
export const SecurityGroupCreate = Type.Object({ name: Name, description: Type.Optional(Description) }, { additionalProperties: false });

export const NicListQuery = Type.Object({
  ...ListQueryBase, instanceId: Type.Optional(AnyId), networkId: Type.Optional(AnyId), ip: Type.Optional(Ipv4),
}, { additionalProperties: false });

export type PhysicalNetwork = Static<typeof PhysicalNetwork>;
export type PhysicalNetworkCreate = Static<typeof PhysicalNetworkCreate>;
export type PhysicalNetworkUpdate = Static<typeof PhysicalNetworkUpdate>;
export type PhysicalNetworkHost = Static<typeof PhysicalNetworkHost>;
export type PhysicalNetworkHostSet = Static<typeof PhysicalNetworkHostSet>;
export type PublicIpRange = Static<typeof PublicIpRange>;
export type PublicIpRangeCreate = Static<typeof PublicIpRangeCreate>;
export type PublicIp = Static<typeof PublicIp>;
export type PublicIpAllocate = Static<typeof PublicIpAllocate>;
export type Network = Static<typeof Network>;
export type NetworkCreate = Static<typeof NetworkCreate>;
export type NetworkUpdate = Static<typeof NetworkUpdate>;
export type Router = Static<typeof Router>;
export type Nic = Static<typeof Nic>;
export type NicRequest = Static<typeof NicRequest>;
export type PortForward = Static<typeof PortForward>;
export type PortForwardCreate = Static<typeof PortForwardCreate>;
export type FirewallRule = Static<typeof FirewallRule>;
export type FirewallRuleCreate = Static<typeof FirewallRuleCreate>;
export type EgressRule = Static<typeof EgressRule>;
export type EgressRuleCreate = Static<typeof EgressRuleCreate>;
export type LoadBalancer = Static<typeof LoadBalancer>;
export type LoadBalancerCreate = Static<typeof LoadBalancerCreate>;
export type LoadBalancerUpdate = Static<typeof LoadBalancerUpdate>;
export type LoadBalancerMember = Static<typeof LoadBalancerMember>;
export type HealthCheckInput = Static<typeof HealthCheckInput>;
export type SecurityGroup = Static<typeof SecurityGroup>;
export type SecurityGroupCreate = Static<typeof SecurityGroupCreate>;
export type SecurityGroupRule = Static<typeof SecurityGroupRule>;
export type SecurityGroupRuleCreate = Static<typeof SecurityGroupRuleCreate>;
