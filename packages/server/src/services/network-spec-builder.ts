/**
 * What one host needs for guest networking, derived from database rows (pure; the rows come from
 * loadHostNetworkRows): the networks with a NIC or router on this host, with VNI and VXLAN peers
 * (underlay addresses of the other hosts with members of the network), the NICs with MAC, IPs and
 * security groups (rules resolved, peer groups expanded to member addresses), and the routers
 * placed on this host with their NAT/firewall/egress rules, DHCP leases, load balancers and the
 * metadata table. The shape is @kumo/netagent's HostNetworkSpec.
 */
import type { DhcpHost, LoadBalancer, SecurityGroup, SecurityGroupRule } from '@kumo/netcfg';
import { networkBridgeName, parseCidr, parseIpv4 } from '@kumo/netcfg';
import type { NetworkRow, NicRow, PhysicalNetworkRow, SecurityGroupRuleRow } from '@kumo/db';
import type { DhcpServerSpec, HostNetworkSpec, InstanceMetadata, NetworkSpec, NicNetworkSpec, RouterSpec } from '@kumo/netagent';
import { toEc2Id } from '@kumo/ec2';
import { tapName } from '../controller/instance-spec.ts';
import type { HostNetworkRows } from './network-spec-rows.ts';
import { dhcpServerIpOf } from './network-dhcp-server.ts';
import { hostnameOf } from './instance-hostname.ts';

const byId = <T extends { id: string }>(rows: readonly T[]) => new Map(rows.map((r) => [r.id, r]));
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byIp = (a: string, b: string) => parseIpv4(a) - parseIpv4(b);

/** Hostnames for a network's NICs, unique within the network (a clash gets a suffix from the NIC id). */
function hostnames(nics: readonly NicRow[], nameOf: (nic: NicRow) => string): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const nic of [...nics].sort((a, b) => cmp(a.id, b.id))) {
    let h = hostnameOf(nameOf(nic));
    if (taken.has(h)) h = `${h.slice(0, 52)}-${nic.id.slice(-10)}`;
    taken.add(h);
    out.set(nic.id, h);
  }
  return out;
}

function traffic(r: { protocol: SecurityGroupRule['protocol']; portStart: number | null; portEnd: number | null; icmpType: number | null; icmpCode: number | null }) {
  return {
    protocol: r.protocol,
    ...(r.portStart !== null && r.portEnd !== null ? { ports: { from: r.portStart, to: r.portEnd } } : {}),
    ...(r.icmpType !== null ? { icmpType: r.icmpType } : {}),
    ...(r.icmpCode !== null ? { icmpCode: r.icmpCode } : {}),
  };
}

function groupRule(r: SecurityGroupRuleRow): SecurityGroupRule {
  return { id: r.id, ...traffic(r), ...(r.cidr !== null ? { cidr: r.cidr } : {}), ...(r.remoteGroupId !== null ? { groupId: r.remoteGroupId } : {}) };
}

export function buildHostNetworkSpec(rows: HostNetworkRows): HostNetworkSpec {
  const hostId = rows.hostId;
  const hosts = byId(rows.hosts);
  const instances = byId(rows.instances);
  const physById = byId(rows.physicalNetworks);
  const networks = byId(rows.networks);
  const publicIps = byId(rows.publicIps);
  const ranges = byId(rows.publicIpRanges);
  const nicById = byId(rows.nics);
  const zoneName = (id: string) => rows.zones.find((z) => z.id === id)?.name;

  /** The device and underlay address a host uses on a physical network (mapping, else defaults). */
  const underlay = (phys: PhysicalNetworkRow, hid: string): { device: string; address: string } | undefined => {
    const m = rows.physicalNetworkHosts.find((x) => x.physicalNetworkId === phys.id && x.hostId === hid);
    if (m) return { device: m.device, address: m.address };
    const h = hosts.get(hid);
    return h ? { device: phys.device, address: h.address } : undefined;
  };
  /** The hosts carrying a NIC: its instance's host and, while it migrates, its target host. */
  const hostsOfNic = (nic: NicRow): string[] => {
    const i = instances.get(nic.instanceId);
    return [i?.hostId, i?.targetHostId].filter((h): h is string => typeof h === 'string');
  };

  const liveNics = rows.nics.filter((n) => instances.has(n.instanceId));
  const localNics = liveNics.filter((n) => hostsOfNic(n).includes(hostId)).sort((a, b) => cmp(a.id, b.id));
  const localRouters = rows.routers.filter((r) => r.hostId === hostId && networks.has(r.networkId)).sort((a, b) => cmp(a.id, b.id));
  const networkIds = [...new Set([...localNics.map((n) => n.networkId), ...localRouters.map((r) => r.networkId)])].filter((id) => networks.has(id)).sort(cmp);

  // ---- networks ----
  const networkSpecs: NetworkSpec[] = [];
  for (const id of networkIds) {
    const net = networks.get(id) as NetworkRow;
    const phys = physById.get(net.physicalNetworkId);
    const local = phys ? underlay(phys, hostId) : undefined;
    if (!phys || !local) continue;
    const base = { networkId: net.id, bridge: networkBridgeName(net.id), mtu: net.mtu };
    if (net.kind === 'shared') {
      networkSpecs.push({ ...base, kind: 'shared', physicalDevice: net.vlan !== null ? `${local.device}.${net.vlan}` : local.device });
    } else if (net.vni !== null) {
      const memberHosts = new Set<string>();
      for (const n of liveNics) if (n.networkId === id) for (const h of hostsOfNic(n)) memberHosts.add(h);
      for (const r of rows.routers) if (r.networkId === id && r.hostId) memberHosts.add(r.hostId);
      memberHosts.delete(hostId);
      const peers = [...new Set([...memberHosts].map((h) => underlay(phys, h)?.address).filter((a): a is string => a !== undefined && a !== local.address))].sort(byIp);
      networkSpecs.push({ ...base, kind: 'isolated', segment: { type: 'vxlan', vni: net.vni, underlay: { device: local.device, localIp: local.address }, peers } });
    } else if (net.vlan !== null) {
      networkSpecs.push({ ...base, kind: 'isolated', segment: { type: 'vlan', vlanId: net.vlan, device: local.device } });
    }
  }
  const specNetworks = new Set(networkSpecs.map((n) => n.networkId));

  // ---- NICs and their security groups ----
  const groupsOfNic = new Map<string, string[]>();
  for (const m of rows.nicSecurityGroups) groupsOfNic.set(m.nicId, [...(groupsOfNic.get(m.nicId) ?? []), m.securityGroupId]);
  const nics: NicNetworkSpec[] = localNics.filter((n) => specNetworks.has(n.networkId)).map((n) => {
    const net = networks.get(n.networkId) as NetworkRow;
    return {
      instanceId: n.instanceId, nicId: n.id, networkId: n.networkId, tap: tapName(n.instanceId, n.deviceIndex), mac: n.mac, ips: [n.ip],
      securityGroupIds: [...(groupsOfNic.get(n.id) ?? [])].sort(cmp),
      dnsServers: [dhcpServerIpOf(net) ?? net.gateway],
    };
  });
  // The groups of this host's NICs and, transitively, every group their rules name as a peer.
  const wanted = new Set(nics.flatMap((n) => n.securityGroupIds));
  for (let frontier = [...wanted]; frontier.length > 0;) {
    frontier = rows.securityGroupRules.filter((r) => frontier.includes(r.securityGroupId) && r.remoteGroupId !== null && !wanted.has(r.remoteGroupId))
      .map((r) => r.remoteGroupId as string);
    for (const g of frontier) wanted.add(g);
  }
  const securityGroups: SecurityGroup[] = rows.securityGroups.filter((g) => wanted.has(g.id)).sort((a, b) => cmp(a.id, b.id)).map((g) => {
    const rules = rows.securityGroupRules.filter((r) => r.securityGroupId === g.id).sort((a, b) => cmp(a.id, b.id));
    return {
      id: g.id,
      ingress: rules.filter((r) => r.direction === 'ingress').map(groupRule),
      egress: rules.filter((r) => r.direction === 'egress').map(groupRule),
      memberIps: [...new Set(rows.securityGroupMembers.filter((m) => m.securityGroupId === g.id).map((m) => m.ip))].sort(byIp),
    };
  });

  /** A network's DHCP leases and metadata table: one entry per NIC, names unique within the network. */
  const guestTables = (networkId: string): { dhcpHosts: DhcpHost[]; metadata: InstanceMetadata[] } => {
    const netNics = liveNics.filter((n) => n.networkId === networkId).sort((a, b) => byIp(a.ip, b.ip));
    const names = hostnames(netNics, (n) => instances.get(n.instanceId)?.name ?? n.instanceId);
    const netIps = rows.publicIps.filter((p) => p.networkId === networkId);
    const dhcpHosts: DhcpHost[] = netNics.map((n) => ({ mac: n.mac, ip: n.ip, hostname: names.get(n.id) as string }));
    const metadata: InstanceMetadata[] = netNics.map((n) => {
      const inst = instances.get(n.instanceId);
      const key = inst?.keypairId ? rows.keypairs.find((k) => k.id === inst.keypairId) : undefined;
      const offering = inst ? rows.offerings.find((o) => o.id === inst.offeringId) : undefined;
      const eip = netIps.find((p) => p.staticNatNicId === n.id);
      const zone = inst ? zoneName(inst.zoneId) : undefined;
      return {
        instanceId: n.instanceId, ip: n.ip, hostname: names.get(n.id) as string, mac: n.mac,
        ...(inst ? { name: inst.name } : {}),
        // EC2's ami-id: the image version's AMI id, as the EC2 API shows it (null only once the instance is deleted).
        ...(inst?.imageVersionId ? { imageId: toEc2Id('image', inst.imageVersionId) } : {}),
        ...(eip ? { publicIpv4: eip.address } : {}),
        ...(key ? { publicKeys: [{ name: key.name, openssh: key.publicKey.trim() }] } : {}),
        ...(inst && inst.userData !== '' ? { userData: Buffer.from(inst.userData, 'utf8').toString('base64') } : {}),
        ...(zone ? { availabilityZone: zone } : {}),
        ...(offering ? { instanceType: offering.name } : {}),
        ...(inst?.metadataHttpTokens === 'required' ? { metadataHttpTokens: 'required' as const } : {}),
      };
    });
    return { dhcpHosts, metadata };
  };

  // ---- routers ----
  const routers: RouterSpec[] = [];
  for (const router of localRouters) {
    const net = networks.get(router.networkId) as NetworkRow;
    const snat = router.publicIpId ? publicIps.get(router.publicIpId) : undefined;
    const range = snat ? ranges.get(snat.rangeId) : undefined;
    const publicPhys = range ? physById.get(range.physicalNetworkId) : undefined;
    const uplink = publicPhys ? underlay(publicPhys, hostId) : undefined;
    if (!snat || !range || !publicPhys || !uplink || !specNetworks.has(net.id)) continue;
    const netIps = rows.publicIps.filter((p) => p.networkId === net.id);
    const addressOf = (publicIpId: string) => publicIps.get(publicIpId)?.address;
    const nicIp = (nicId: string) => nicById.get(nicId)?.ip;

    const portForwards = rows.portForwards.filter((p) => p.networkId === net.id && addressOf(p.publicIpId) && nicIp(p.nicId)).sort((a, b) => cmp(a.id, b.id)).map((p) => ({
      id: p.id, publicIp: addressOf(p.publicIpId) as string, protocol: p.protocol,
      publicPorts: { from: p.publicPortStart, to: p.publicPortEnd }, privateIp: nicIp(p.nicId) as string,
      privatePorts: { from: p.privatePortStart, to: p.privatePortEnd },
    }));
    const staticNats = netIps.filter((p) => p.staticNatNicId !== null && nicIp(p.staticNatNicId)).sort((a, b) => cmp(a.id, b.id))
      .map((p) => ({ id: p.id, publicIp: p.address, privateIp: nicIp(p.staticNatNicId as string) as string }));
    const loadBalancers: LoadBalancer[] = rows.loadBalancers.filter((l) => l.networkId === net.id && addressOf(l.publicIpId)).sort((a, b) => cmp(a.id, b.id)).map((l) => ({
      id: l.id, publicIp: addressOf(l.publicIpId) as string, publicPort: l.publicPort, algorithm: l.algorithm,
      backends: [...new Set(rows.loadBalancerMembers.filter((m) => m.loadBalancerId === l.id).map((m) => nicIp(m.nicId)).filter((ip): ip is string => ip !== undefined))]
        .sort(byIp).map((ip) => ({ ip, port: l.privatePort })),
      ...(l.healthIntervalMs !== null ? {
        healthCheck: { intervalMs: l.healthIntervalMs, rise: l.healthRise ?? 2, fall: l.healthFall ?? 3, ...(l.healthHttpPath !== null ? { httpPath: l.healthHttpPath } : {}) },
      } : {}),
    }));
    // Firewall rules only mean something on addresses the router uses (source NAT, forwards, static NATs, load balancers).
    const used = new Set([snat.address, ...portForwards.map((p) => p.publicIp), ...staticNats.map((s) => s.publicIp), ...loadBalancers.map((l) => l.publicIp)]);
    const firewallRules = rows.firewallRules.filter((f) => f.networkId === net.id && used.has(addressOf(f.publicIpId) ?? '')).sort((a, b) => cmp(a.id, b.id))
      .map((f) => ({ id: f.id, publicIp: addressOf(f.publicIpId) as string, ...traffic(f), sourceCidrs: JSON.parse(f.sourceCidrs) as string[] }));
    const egressRules = rows.egressRules.filter((e) => e.networkId === net.id).sort((a, b) => cmp(a.id, b.id))
      .map((e) => ({ id: e.id, ...traffic(e), destinationCidrs: JSON.parse(e.destinationCidrs) as string[] }));

    const prefix = parseCidr(range.cidr).prefix;
    const extra = netIps.filter((p) => p.id !== snat.id).map((p) => p.address).sort(byIp);
    const { dhcpHosts, metadata } = guestTables(net.id);
    routers.push({
      routerId: router.id, networkId: net.id,
      guest: { ip: net.gateway, cidr: net.cidr },
      public: {
        ips: [`${snat.address}/${prefix}`, ...extra.map((a) => `${a}/32`)],
        gateway: range.gateway,
        attach: publicPhys.deviceKind === 'bridge' ? { bridge: uplink.device } : { device: range.vlan !== null ? `${uplink.device}.${range.vlan}` : uplink.device },
      },
      nat: { sourceNatIp: snat.address, portForwards, staticNats, firewallRules, egress: { defaultPolicy: net.egressDefaultPolicy, rules: egressRules } },
      dhcp: { domain: net.dnsDomain, hosts: dhcpHosts },
      loadBalancers,
      metadata: { instances: metadata },
    });
  }

  // ---- DHCP servers of shared networks (their gateway is the physical network's router) ----
  const dhcpServers: DhcpServerSpec[] = localRouters.filter((r) => networks.get(r.networkId)?.kind === 'shared' && specNetworks.has(r.networkId)).map((r) => {
    const net = networks.get(r.networkId) as NetworkRow;
    const { dhcpHosts, metadata } = guestTables(net.id);
    return {
      serverId: r.id, networkId: net.id, ip: dhcpServerIpOf(net) as string, cidr: net.cidr, gateway: net.gateway,
      dhcp: { domain: net.dnsDomain, hosts: dhcpHosts }, metadata: { instances: metadata },
    };
  });

  return { version: 1, hostId, generation: rows.generation, networks: networkSpecs, nics, securityGroups, routers, dhcpServers };
}

