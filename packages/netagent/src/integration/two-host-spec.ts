/**
 * The specs a server would send for the integration scenario, on two testbed hosts:
 *
 *   net-a (VXLAN 4100, 10.60.0.0/24): guest a0 on host 0, guest a1 on host 1,
 *       router rtr-a on host 0, public side a veth into bridge "pubbr" of host 0
 *       (203.0.113.0/24), with a port forward and a load balancer;
 *   net-b (VXLAN 4101, the same 10.60.0.0/24 — isolated networks may overlap):
 *       guest b0 and router rtr-b on host 1, public side a macvlan on device
 *       "pubnic" (198.51.100.0/24).
 */
import type { SecurityGroup } from '@kumo/netcfg';
import type { HostNetworkSpec, NetworkSpec, NicNetworkSpec, RouterSpec } from '../host-network-spec.ts';
import { networkBridgeName } from '../network-names.ts';

export interface ScenarioOptions {
  generation: number;
  hostIps: [string, string];
  /** Open tcp 8000 between members of sg-web (the "spec change"). */
  allow8000?: boolean;
  /** Host 1 without net-b, its router and guest. */
  withoutNetB?: boolean;
  /** Backends of the load balancer (default both guests of net-a). */
  lbBackends?: string[];
}

export const GUESTS = {
  a0: { nicId: 'nic-a0', instanceId: 'i-a0', tap: 'tpa0', mac: '52:54:00:60:00:10', ip: '10.60.0.10', hostname: 'vm-a0', network: 'net-a', host: 0 },
  a1: { nicId: 'nic-a1', instanceId: 'i-a1', tap: 'tpa1', mac: '52:54:00:60:00:11', ip: '10.60.0.11', hostname: 'vm-a1', network: 'net-a', host: 1 },
  b0: { nicId: 'nic-b0', instanceId: 'i-b0', tap: 'tpb0', mac: '52:54:00:61:00:20', ip: '10.60.0.20', hostname: 'vm-b0', network: 'net-b', host: 1 },
} as const;

type Guest = (typeof GUESTS)[keyof typeof GUESTS];

function network(id: string, vni: number, hostIp: string, peers: string[]): NetworkSpec {
  return {
    networkId: id, kind: 'isolated', bridge: networkBridgeName(id), mtu: 1450,
    segment: { type: 'vxlan', vni, underlay: { device: 'eth0', localIp: hostIp }, peers },
  };
}

function nic(g: Guest): NicNetworkSpec {
  return { instanceId: g.instanceId, nicId: g.nicId, networkId: g.network, tap: g.tap, mac: g.mac, ips: [g.ip], securityGroupIds: ['sg-web'], dnsServers: ['10.60.0.1'] };
}

function securityGroups(o: ScenarioOptions): SecurityGroup[] {
  return [{
    id: 'sg-web',
    ingress: [
      { id: 'ping-net', protocol: 'icmp', cidr: '10.60.0.0/24' },
      { id: 'http', protocol: 'tcp', ports: { from: 80, to: 80 }, cidr: '0.0.0.0/0' },
      ...(o.allow8000 === true ? [{ id: 'alt-http', protocol: 'tcp' as const, ports: { from: 8000, to: 8000 }, groupId: 'sg-web' }] : []),
    ],
    egress: [{ protocol: 'all', cidr: '0.0.0.0/0' }],
    memberIps: Object.values(GUESTS).map((g) => g.ip),
  }];
}

function metadataOf(g: Guest): RouterSpec['metadata']['instances'][number] {
  return {
    instanceId: g.instanceId, ip: g.ip, hostname: g.hostname, mac: g.mac, availabilityZone: 'zone-1',
    publicKeys: [{ name: 'test-key', openssh: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${g.hostname} test` }],
    userData: Buffer.from(`#cloud-config\nhostname: ${g.hostname}\n`).toString('base64'),
  };
}

function routerA(o: ScenarioOptions): RouterSpec {
  return {
    routerId: 'rtr-a', networkId: 'net-a',
    guest: { ip: '10.60.0.1', cidr: '10.60.0.0/24' },
    public: { ips: ['203.0.113.10/24', '203.0.113.11/32'], gateway: '203.0.113.1', attach: { bridge: 'pubbr' } },
    nat: {
      sourceNatIp: '203.0.113.10',
      portForwards: [{ id: 'pf-web', publicIp: '203.0.113.10', protocol: 'tcp', publicPorts: { from: 8080, to: 8080 }, privateIp: GUESTS.a0.ip, privatePorts: { from: 80, to: 80 } }],
      firewallRules: [
        { id: 'fw-pf', publicIp: '203.0.113.10', protocol: 'tcp', ports: { from: 8080, to: 8080 }, sourceCidrs: ['0.0.0.0/0'] },
        { id: 'fw-lb', publicIp: '203.0.113.11', protocol: 'tcp', ports: { from: 80, to: 80 }, sourceCidrs: ['0.0.0.0/0'] },
      ],
    },
    dhcp: { domain: 'cloud.internal', hosts: [GUESTS.a0, GUESTS.a1].map((g) => ({ mac: g.mac, ip: g.ip, hostname: g.hostname })) },
    loadBalancers: [{
      id: 'lb-web', publicIp: '203.0.113.11', publicPort: 80, algorithm: 'roundrobin',
      backends: (o.lbBackends ?? [GUESTS.a0.ip, GUESTS.a1.ip]).map((ip) => ({ ip, port: 80 })),
    }],
    metadata: { instances: [metadataOf(GUESTS.a0), metadataOf(GUESTS.a1)] },
  };
}

function routerB(): RouterSpec {
  return {
    routerId: 'rtr-b', networkId: 'net-b',
    guest: { ip: '10.60.0.1', cidr: '10.60.0.0/24' },
    public: { ips: ['198.51.100.10/24'], gateway: '198.51.100.1', attach: { device: 'pubnic' } },
    nat: { sourceNatIp: '198.51.100.10' },
    dhcp: { domain: 'cloud.internal', hosts: [{ mac: GUESTS.b0.mac, ip: GUESTS.b0.ip, hostname: GUESTS.b0.hostname }] },
    loadBalancers: [],
    metadata: { instances: [metadataOf(GUESTS.b0)] },
  };
}

export function scenarioSpec(host: 0 | 1, o: ScenarioOptions): HostNetworkSpec {
  const [ip0, ip1] = o.hostIps;
  const groups = securityGroups(o);
  if (host === 0) {
    return {
      version: 1, hostId: 'host-0', generation: o.generation,
      networks: [network('net-a', 4100, ip0, [ip1])],
      nics: [nic(GUESTS.a0)],
      securityGroups: groups,
      routers: [routerA(o)],
      dhcpServers: [],
    };
  }
  return {
    version: 1, hostId: 'host-1', generation: o.generation,
    networks: [network('net-a', 4100, ip1, [ip0]), ...(o.withoutNetB === true ? [] : [network('net-b', 4101, ip1, [])])],
    nics: [nic(GUESTS.a1), ...(o.withoutNetB === true ? [] : [nic(GUESTS.b0)])],
    securityGroups: groups,
    routers: o.withoutNetB === true ? [] : [routerB()],
    dhcpServers: [],
  };
}

/** Nothing desired: the agent removes everything it owns. */
export function emptySpec(host: 0 | 1, generation: number): HostNetworkSpec {
  return { version: 1, hostId: `host-${host}`, generation, networks: [], nics: [], securityGroups: [], routers: [], dhcpServers: [] };
}
