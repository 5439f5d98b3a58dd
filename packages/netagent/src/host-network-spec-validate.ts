/**
 * Checks a HostNetworkSpec before the agent touches anything: shapes, names, cross
 * references, and — by rendering them once with placeholder paths — everything
 * netcfg's renderers would refuse. Throws NetcfgError with the path of the offending
 * field (`routers[0].nat.portForwards[1].privateIp`). A spec without `dhcpServers`
 * (written before they existed) is returned with an empty list. Pure.
 */
import {
  NetcfgError, checkHostname, checkId, checkInteger, checkInterfaceName, cidrContains, cidrLast, normalizeIpv4, parseCidr, parseIpv4, parseMac,
  renderDnsmasqConf, renderHaproxyConf, renderRouterNft, renderSecurityGroupNft, VNI_MAX, VNI_MIN, VXLAN_OVERHEAD_BYTES,
} from '@kumo/netcfg';
import {
  HOST_NETWORK_SPEC_VERSION, type DhcpServerSpec, type HostNetworkSpec, type InstanceMetadata, type NetworkSpec, type NicNetworkSpec, type RouterSpec,
} from './host-network-spec.ts';
import { isOnLink, parseInterfaceAddress } from './interface-address.ts';
import { networkBridgeName, usesReservedPrefix } from './network-names.ts';
import { securedNic } from './secured-nic.ts';
import {
  dhcpServerDnsmasqConfig, routerDnsmasqConfig, routerHaproxyConfig, routerNftConfig, routerRequiredPublicIps,
} from './router-artifacts.ts';

function fail(field: string, message: string, code: NetcfgError['code'] = 'invalid'): never {
  throw new NetcfgError(code, field, message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (!isObject(v)) fail(field, `${field} must be an object`);
  return v;
}

function arr(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) fail(field, `${field} must be an array`);
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') fail(field, `${field} must be a non-empty string`);
  return v;
}

/** Runs a netcfg check, re-rooting the field of its error under `prefix`. */
function under<T>(prefix: string, fn: () => T, rename: (field: string) => string = (x) => x): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof NetcfgError)) throw e;
    const field = rename(e.field);
    throw new NetcfgError(e.code, prefix === '' ? field : field === '' ? prefix : `${prefix}.${field}`, e.message);
  }
}

/** netcfg's RouterConfig field names -> the RouterSpec's. */
function specRouterField(field: string): string {
  if (field.startsWith('guestCidr')) return field.replace('guestCidr', 'guest.cidr');
  if (field.startsWith('guestIp')) return field.replace('guestIp', 'guest.ip');
  if (field.startsWith('listeners')) return field.replace('listeners', 'loadBalancers');
  return /^(portForwards|staticNats|firewallRules|egress|sourceNatIp)/.test(field) ? `nat.${field}` : field;
}

/** netcfg's DnsmasqConfig field names -> the DhcpServerSpec's. */
function specDhcpServerField(field: string): string {
  if (/^(dnsServers|metadataRouteVia)/.test(field)) return 'ip';
  return /^(cidr|gateway)/.test(field) ? field : `dhcp.${field}`;
}

/** netcfg's security-group field names -> the spec's. */
function specSecurityGroupField(field: string): string {
  return field.replace(/^groups\[/, 'securityGroups[').replace(/\.groupIds\[/, '.securityGroupIds[');
}

function unique(seen: Set<string>, key: string, field: string, what: string): void {
  if (seen.has(key)) fail(field, `${what} ${key} appears twice`, 'conflict');
  seen.add(key);
}

function checkNetwork(n: NetworkSpec, f: string): void {
  obj(n, f);
  checkId(n.networkId, `${f}.networkId`);
  const bridge = networkBridgeName(n.networkId);
  if (n.bridge !== bridge) fail(`${f}.bridge`, `the bridge of network ${n.networkId} is ${bridge} (networkBridgeName), not "${String(n.bridge)}"`, 'conflict');
  if (n.kind === 'shared') {
    checkInteger(n.mtu, 68, 65535, `${f}.mtu`);
    checkInterfaceName(n.physicalDevice, `${f}.physicalDevice`);
    if (usesReservedPrefix(n.physicalDevice)) fail(`${f}.physicalDevice`, `${n.physicalDevice} uses a name prefix reserved for the agent`);
    return;
  }
  if (n.kind !== 'isolated') fail(`${f}.kind`, `kind is "isolated" or "shared", not "${String((n as { kind: unknown }).kind)}"`);
  const s = obj(n.segment, `${f}.segment`) as unknown as IsolatedSegment;
  if (s.type === 'vxlan') {
    checkInteger(n.mtu, 68, 65535 - VXLAN_OVERHEAD_BYTES, `${f}.mtu`);
    checkInteger(s.vni, VNI_MIN, VNI_MAX, `${f}.segment.vni`);
    obj(s.underlay, `${f}.segment.underlay`);
    checkInterfaceName(s.underlay.device, `${f}.segment.underlay.device`);
    const local = normalizeIpv4(s.underlay.localIp, `${f}.segment.underlay.localIp`);
    const peers = new Set<string>();
    arr(s.peers, `${f}.segment.peers`).forEach((p, i) => {
      const ip = normalizeIpv4(p as string, `${f}.segment.peers[${i}]`);
      if (ip === local) fail(`${f}.segment.peers[${i}]`, `${ip} is this host's own VTEP address`, 'conflict');
      unique(peers, ip, `${f}.segment.peers[${i}]`, 'peer');
    });
  } else if (s.type === 'vlan') {
    checkInteger(n.mtu, 68, 65535, `${f}.mtu`);
    checkInteger(s.vlanId, 1, 4094, `${f}.segment.vlanId`);
    checkInterfaceName(s.device, `${f}.segment.device`);
  } else {
    fail(`${f}.segment.type`, `segment type is "vxlan" or "vlan", not "${String((s as { type: unknown }).type)}"`);
  }
}

type IsolatedSegment = Extract<NetworkSpec, { kind: 'isolated' }>['segment'];

function checkNic(nic: NicNetworkSpec, f: string, networks: Map<string, NetworkSpec>): void {
  obj(nic, f);
  checkId(nic.instanceId, `${f}.instanceId`);
  checkId(nic.nicId, `${f}.nicId`);
  if (!networks.has(str(nic.networkId, `${f}.networkId`))) fail(`${f}.networkId`, `network ${nic.networkId} is not in networks`);
  checkInterfaceName(nic.tap, `${f}.tap`);
  if (usesReservedPrefix(nic.tap)) fail(`${f}.tap`, `tap ${nic.tap} uses a name prefix reserved for the agent`);
  parseMac(nic.mac, `${f}.mac`);
  if (arr(nic.ips, `${f}.ips`).length === 0) fail(`${f}.ips`, `NIC ${nic.nicId} needs at least one IPv4 address`);
  arr(nic.securityGroupIds, `${f}.securityGroupIds`);
}

function checkInstance(i: InstanceMetadata, f: string, cidr: ReturnType<typeof parseCidr>): void {
  obj(i, f);
  checkId(i.instanceId, `${f}.instanceId`);
  if (!cidrContains(cidr, parseIpv4(i.ip, `${f}.ip`))) fail(`${f}.ip`, `${i.ip} is not in the network's CIDR`, 'out_of_range');
  checkHostname(i.hostname.split('.')[0] ?? '', `${f}.hostname`);
  if (i.mac !== undefined) parseMac(i.mac, `${f}.mac`);
  if (i.publicIpv4 !== undefined) parseIpv4(i.publicIpv4, `${f}.publicIpv4`);
  if (i.metadataHttpTokens !== undefined && i.metadataHttpTokens !== 'required' && i.metadataHttpTokens !== 'optional') fail(`${f}.metadataHttpTokens`, 'metadataHttpTokens is required or optional');
  if (i.userData !== undefined && (typeof i.userData !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(i.userData))) {
    fail(`${f}.userData`, 'userData must be base64');
  }
  (i.publicKeys ?? []).forEach((k, j) => {
    str(k.name, `${f}.publicKeys[${j}].name`);
    if (typeof k.openssh !== 'string' || /[\r\n]/.test(k.openssh)) fail(`${f}.publicKeys[${j}].openssh`, 'a public key is one line of OpenSSH text');
  });
}

function checkRouter(r: RouterSpec, f: string, networks: Map<string, NetworkSpec>): void {
  obj(r, f);
  checkId(r.routerId, `${f}.routerId`);
  const network = networks.get(str(r.networkId, `${f}.networkId`));
  if (network === undefined) fail(`${f}.networkId`, `network ${r.networkId} is not in networks`);
  if (network.kind !== 'isolated') fail(`${f}.networkId`, `network ${r.networkId} is shared; only isolated networks have routers`, 'conflict');
  obj(r.guest, `${f}.guest`);
  const pub = obj(r.public, `${f}.public`) as unknown as RouterSpec['public'];
  const publicAddresses = arr(pub.ips, `${f}.public.ips`).map((c, i) => parseInterfaceAddress(c as string, `${f}.public.ips[${i}]`));
  if (publicAddresses.length === 0) fail(`${f}.public.ips`, 'a router needs at least one public address');
  const gateway = normalizeIpv4(pub.gateway, `${f}.public.gateway`);
  if (!publicAddresses.some((a) => isOnLink(a, gateway))) {
    fail(`${f}.public.gateway`, `the gateway ${pub.gateway} is not on-link on any public address`, 'out_of_range');
  }
  const seenAddresses = new Set<string>();
  publicAddresses.forEach((a, i) => unique(seenAddresses, a.ip, `${f}.public.ips[${i}]`, 'public address'));
  const attach = obj(pub.attach, `${f}.public.attach`);
  const target = 'bridge' in attach ? 'bridge' : 'device' in attach ? 'device' : undefined;
  if (target === undefined || ('bridge' in attach && 'device' in attach)) fail(`${f}.public.attach`, 'public.attach names exactly one of bridge or device');
  checkInterfaceName(attach[target] as string, `${f}.public.attach.${target}`);
  if (usesReservedPrefix(attach[target] as string)) fail(`${f}.public.attach.${target}`, 'the public bridge or device must not use a name prefix reserved for the agent');

  obj(r.nat, `${f}.nat`);
  obj(r.dhcp, `${f}.dhcp`);
  arr(r.loadBalancers, `${f}.loadBalancers`);
  obj(r.metadata, `${f}.metadata`);
  under(f, () => renderRouterNft(routerNftConfig(r)), specRouterField);
  for (const ip of routerRequiredPublicIps(r)) {
    if (!seenAddresses.has(ip)) fail(`${f}.public.ips`, `public IP ${ip} is used by the router's NAT or load balancers but is not in public.ips`, 'conflict');
  }
  under(`${f}.dhcp`, () => renderDnsmasqConf(routerDnsmasqConfig(r, network, { pidFile: '/run/x.pid', leaseFile: '/run/x.leases' })));
  const haproxy = routerHaproxyConfig(r, { pidFile: '/run/x.pid' });
  if (haproxy !== undefined) under(f, () => renderHaproxyConf(haproxy));
  checkInstances(r.metadata.instances, `${f}.metadata.instances`, parseCidr(r.guest.cidr));
}

function checkInstances(instances: unknown, f: string, cidr: ReturnType<typeof parseCidr>): void {
  const ips = new Set<string>();
  arr(instances, f).forEach((i, j) => {
    checkInstance(i as InstanceMetadata, `${f}[${j}]`, cidr);
    unique(ips, normalizeIpv4((i as InstanceMetadata).ip), `${f}[${j}].ip`, 'metadata address');
  });
}

/** A usable (not network, not broadcast) address of `cidr`. */
function usableIn(cidr: ReturnType<typeof parseCidr>, cidrText: string, ip: unknown, field: string): string {
  const v = parseIpv4(str(ip, field), field);
  if (!cidrContains(cidr, v) || v === cidr.network || v === cidrLast(cidr)) fail(field, `${String(ip)} is not a usable address of ${cidrText}`, 'out_of_range');
  return normalizeIpv4(ip as string);
}

function checkDhcpServer(d: DhcpServerSpec, f: string, networks: Map<string, NetworkSpec>): void {
  obj(d, f);
  checkId(d.serverId, `${f}.serverId`);
  const network = networks.get(str(d.networkId, `${f}.networkId`));
  if (network === undefined) fail(`${f}.networkId`, `network ${d.networkId} is not in networks`);
  if (network.kind !== 'shared') fail(`${f}.networkId`, `network ${d.networkId} is isolated; its router serves DHCP, DHCP servers are for shared networks`, 'conflict');
  const cidr = parseCidr(str(d.cidr, `${f}.cidr`), { field: `${f}.cidr` });
  const ip = usableIn(cidr, d.cidr, d.ip, `${f}.ip`);
  const gateway = usableIn(cidr, d.cidr, d.gateway, `${f}.gateway`);
  if (gateway === ip) fail(`${f}.gateway`, `the gateway ${gateway} is the server's own address`, 'conflict');
  arr(obj(d.dhcp, `${f}.dhcp`).hosts, `${f}.dhcp.hosts`);
  obj(d.metadata, `${f}.metadata`);
  under(f, () => renderDnsmasqConf(dhcpServerDnsmasqConfig(d, network, { pidFile: '/run/x.pid', leaseFile: '/run/x.leases' })), specDhcpServerField);
  d.dhcp.hosts.forEach((h, i) => {
    if (normalizeIpv4(h.ip) === ip) fail(`${f}.dhcp.hosts[${i}].ip`, `${h.ip} is the DHCP server's own address`, 'conflict');
  });
  checkInstances(d.metadata.instances, `${f}.metadata.instances`, cidr);
}

/** Returns the spec typed when it is acceptable; throws NetcfgError otherwise. */
export function validateHostNetworkSpec(input: unknown): HostNetworkSpec {
  const spec = obj(input, 'spec') as unknown as Omit<HostNetworkSpec, 'dhcpServers'> & { dhcpServers?: DhcpServerSpec[] };
  if (spec.version !== HOST_NETWORK_SPEC_VERSION) fail('version', `spec version ${String(spec.version)} is not supported (expected ${HOST_NETWORK_SPEC_VERSION})`);
  checkId(spec.hostId, 'hostId');
  checkInteger(spec.generation, 0, Number.MAX_SAFE_INTEGER, 'generation');

  const networks = new Map<string, NetworkSpec>();
  const vnis = new Set<string>();
  arr(spec.networks, 'networks').forEach((n, i) => {
    const net = n as NetworkSpec;
    checkNetwork(net, `networks[${i}]`);
    unique(new Set(networks.keys()), net.networkId, `networks[${i}].networkId`, 'network');
    networks.set(net.networkId, net);
    if (net.kind === 'isolated' && net.segment.type === 'vxlan') unique(vnis, String(net.segment.vni), `networks[${i}].segment.vni`, 'VNI');
  });

  const nicIds = new Set<string>();
  const taps = new Set<string>();
  arr(spec.nics, 'nics').forEach((n, i) => {
    const nic = n as NicNetworkSpec;
    checkNic(nic, `nics[${i}]`, networks);
    unique(nicIds, nic.nicId, `nics[${i}].nicId`, 'NIC');
    unique(taps, nic.tap, `nics[${i}].tap`, 'tap');
  });
  arr(spec.securityGroups, 'securityGroups');
  // The security-group renderer checks groups, rules, NIC addresses and references.
  under('', () => renderSecurityGroupNft({
    mode: 'bridge',
    groups: spec.securityGroups,
    nics: spec.nics.map(securedNic),
  }), specSecurityGroupField);

  const routerIds = new Set<string>();
  const routedNetworks = new Set<string>();
  arr(spec.routers, 'routers').forEach((r, i) => {
    const router = r as RouterSpec;
    checkRouter(router, `routers[${i}]`, networks);
    unique(routerIds, router.routerId, `routers[${i}].routerId`, 'router');
    unique(routedNetworks, router.networkId, `routers[${i}].networkId`, 'routed network');
  });

  // Servers' namespaces are named by id like routers': the ids must not meet.
  const serverIds = new Set<string>(routerIds);
  const servedNetworks = new Set<string>();
  const dhcpServers = spec.dhcpServers ?? [];
  arr(dhcpServers, 'dhcpServers').forEach((d, i) => {
    const server = d as DhcpServerSpec;
    checkDhcpServer(server, `dhcpServers[${i}]`, networks);
    unique(serverIds, server.serverId, `dhcpServers[${i}].serverId`, 'router or DHCP server');
    unique(servedNetworks, server.networkId, `dhcpServers[${i}].networkId`, 'served network');
  });
  return { ...spec, dhcpServers };
}
