import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetcfgError } from '@kumo/netcfg';
import { networkBridgeName } from './network-names.ts';
import type { DhcpServerSpec, HostNetworkSpec, IsolatedNetworkSpec, RouterSpec } from './host-network-spec.ts';
import { validateHostNetworkSpec } from './host-network-spec-validate.ts';
import { dhcpServer, SHARED, sharedSpec } from './integration/shared-network-spec.ts';
import { emptySpec, scenarioSpec } from './integration/two-host-spec.ts';

const hostIps: [string, string] = ['10.251.0.10', '10.251.0.11'];

function valid(): HostNetworkSpec {
  return structuredClone(scenarioSpec(1, { generation: 3, hostIps }));
}

function rejects(mutate: (s: HostNetworkSpec) => void, field: string | RegExp, code?: string, base: () => HostNetworkSpec = valid): void {
  const spec = base();
  mutate(spec);
  assert.throws(() => validateHostNetworkSpec(spec), (e: unknown) => {
    assert.ok(e instanceof NetcfgError, String(e));
    if (typeof field === 'string') assert.equal(e.field, field, e.message);
    else assert.match(e.field, field, e.message);
    if (code !== undefined) assert.equal(e.code, code, e.message);
    return true;
  });
}

const isolated = (s: HostNetworkSpec, i = 0): IsolatedNetworkSpec => s.networks[i] as IsolatedNetworkSpec;
const router = (s: HostNetworkSpec): RouterSpec => s.routers[0]!;

test('the scenario specs and an empty spec are valid', () => {
  for (const host of [0, 1] as const) validateHostNetworkSpec(scenarioSpec(host, { generation: 1, hostIps }));
  validateHostNetworkSpec(emptySpec(0, 0));
  validateHostNetworkSpec(scenarioSpec(1, { generation: 1, hostIps, withoutNetB: true, allow8000: true }));
});

test('top level: version, host id, generation, arrays', () => {
  rejects((s) => { (s as { version: number }).version = 2; }, 'version');
  rejects((s) => { s.hostId = 'bad id'; }, 'hostId');
  rejects((s) => { s.generation = -1; }, 'generation', 'out_of_range');
  rejects((s) => { (s as { nics: unknown }).nics = {}; }, 'nics');
  assert.throws(() => validateHostNetworkSpec(null), { field: 'spec' });
});

test('networks: derived bridge name, VXLAN fields, unique VNIs, no own address in the flood list', () => {
  rejects((s) => { s.networks[0]!.bridge = 'br0'; }, 'networks[0].bridge', 'conflict');
  rejects((s) => { if (isolated(s).segment.type === 'vxlan') (isolated(s).segment as { vni: number }).vni = 0; }, 'networks[0].segment.vni');
  rejects((s) => { isolated(s).mtu = 65500; }, 'networks[0].mtu');
  rejects((s) => { if (isolated(s, 1).segment.type === 'vxlan') (isolated(s, 1).segment as { vni: number }).vni = 4100; }, 'networks[1].segment.vni', 'conflict');
  rejects((s) => { if (isolated(s).segment.type === 'vxlan') (isolated(s).segment as { peers: string[] }).peers = [hostIps[1]]; }, 'networks[0].segment.peers[0]', 'conflict');
  rejects((s) => { (isolated(s).segment as { type: string }).type = 'geneve'; }, 'networks[0].segment.type');
  rejects((s) => { s.networks.push({ ...s.networks[0]! }); }, /^networks\[2\]/);
});

test('NICs: known network, tap name outside the agent prefixes, known groups, valid addresses', () => {
  rejects((s) => { s.nics[0]!.networkId = 'net-x'; }, 'nics[0].networkId');
  rejects((s) => { s.nics[0]!.tap = 'kb-0123456789'; }, 'nics[0].tap');
  rejects((s) => { s.nics[1]!.tap = s.nics[0]!.tap; }, 'nics[1].tap', 'conflict');
  rejects((s) => { s.nics[0]!.securityGroupIds = ['sg-nope']; }, 'nics[0].securityGroupIds[0]');
  rejects((s) => { s.nics[0]!.ips = []; }, 'nics[0].ips');
  rejects((s) => { s.nics[0]!.mac = 'zz'; }, 'nics[0].mac');
  rejects((s) => { s.securityGroups[0]!.ingress[0]!.cidr = '10.0.0.0/33'; }, 'securityGroups[0].ingress[0].cidr');
});

test('routers: isolated network, public addresses cover the NAT rules, on-link gateway, renderer checks with spec paths', () => {
  rejects((s) => { router(s).networkId = 'net-x'; }, 'routers[0].networkId');
  rejects((s) => { router(s).nat.sourceNatIp = '198.51.100.99'; }, 'routers[0].public.ips', 'conflict');
  rejects((s) => { router(s).public.gateway = '192.0.2.1'; }, 'routers[0].public.gateway', 'out_of_range');
  rejects((s) => { router(s).public.attach = { bridge: 'kb-0123456789' }; }, 'routers[0].public.attach.bridge');
  rejects((s) => { router(s).public.attach = {} as RouterSpec['public']['attach']; }, 'routers[0].public.attach');
  rejects((s) => { router(s).nat.portForwards = [{ publicIp: '198.51.100.10', protocol: 'tcp', publicPorts: { from: 80, to: 80 }, privateIp: '10.99.0.5', privatePorts: { from: 80, to: 80 } }]; },
    'routers[0].nat.portForwards[0].privateIp', 'out_of_range');
  rejects((s) => { router(s).guest.ip = '10.61.0.1'; }, 'routers[0].guest.ip', 'out_of_range');
  rejects((s) => { router(s).dhcp.hosts[0]!.ip = '10.61.0.5'; }, 'routers[0].dhcp.hosts[0].ip', 'out_of_range');
  rejects((s) => { router(s).dhcp.domain = 'Not A Domain'; }, 'routers[0].dhcp.domain');
  rejects((s) => { router(s).metadata.instances[0]!.ip = '10.99.0.1'; }, 'routers[0].metadata.instances[0].ip', 'out_of_range');
  rejects((s) => { router(s).metadata.instances.push({ ...router(s).metadata.instances[0]! }); }, 'routers[0].metadata.instances[1].ip', 'conflict');
  rejects((s) => { router(s).metadata.instances[0]!.userData = 'not base64!'; }, 'routers[0].metadata.instances[0].userData');
  rejects((s) => { router(s).loadBalancers = [{ id: 'lb', publicIp: '198.51.100.10', publicPort: 80, algorithm: 'fastest' as 'roundrobin', backends: [] }]; },
    'routers[0].loadBalancers[0].algorithm');
  rejects((s) => { s.routers.push({ ...router(s), routerId: 'rtr-c' }); }, 'routers[1].networkId', 'conflict');
});

test('a router on a shared network is refused', () => {
  const spec = valid();
  spec.networks[1] = { networkId: 'net-b', kind: 'shared', bridge: spec.networks[1]!.bridge, mtu: 1500, physicalDevice: 'eth1' };
  assert.throws(() => validateHostNetworkSpec(spec), { field: 'routers[0].networkId', code: 'conflict' });
});

const shared = (): HostNetworkSpec => structuredClone(sharedSpec(0, { generation: 1 }));
const server = (s: HostNetworkSpec): DhcpServerSpec => s.dhcpServers[0]!;
const rejectsShared = (mutate: (s: HostNetworkSpec) => void, field: string | RegExp, code?: string): void => rejects(mutate, field, code, shared);

test('a spec written before DHCP servers existed has none', () => {
  const old: Partial<HostNetworkSpec> = valid();
  delete old.dhcpServers;
  const checked = validateHostNetworkSpec(old);
  assert.deepEqual(checked.dhcpServers, []);
  assert.equal('dhcpServers' in old, false, 'the input is not modified');
  validateHostNetworkSpec(shared());
  validateHostNetworkSpec(sharedSpec(1, { generation: 1 }));
  rejects((s) => { (s as { dhcpServers: unknown }).dhcpServers = {}; }, 'dhcpServers');
});

test('DHCP servers: a shared network of the spec, one per network, ids apart from routers\'', () => {
  rejectsShared((s) => { server(s).networkId = 'net-x'; }, 'dhcpServers[0].networkId');
  rejectsShared((s) => { server(s).serverId = 'bad id'; }, 'dhcpServers[0].serverId');
  rejectsShared((s) => { s.dhcpServers.push({ ...server(s), serverId: 'dhcp-2' }); }, 'dhcpServers[1].networkId', 'conflict');
  rejectsShared((s) => {
    s.networks.push({ ...s.networks[0]!, networkId: 'net-t', bridge: networkBridgeName('net-t') });
    s.dhcpServers.push({ ...server(s), networkId: 'net-t' });
  }, 'dhcpServers[1].serverId', 'conflict');
  // On an isolated network the router serves DHCP.
  rejects((s) => { s.dhcpServers = [{ ...dhcpServer(), networkId: 'net-a' }]; }, 'dhcpServers[0].networkId', 'conflict');
  // Server namespaces are named by id like routers'.
  rejects((s) => {
    const { networks } = shared();
    s.networks.push(networks[0]!);
    s.dhcpServers = [{ ...dhcpServer(), serverId: router(s).routerId }];
  }, 'dhcpServers[0].serverId', 'conflict');
});

test('DHCP servers: usable address and gateway in the CIDR, DHCP and metadata entries with spec paths', () => {
  rejectsShared((s) => { server(s).cidr = '10.60.0.0/33'; }, 'dhcpServers[0].cidr');
  rejectsShared((s) => { server(s).ip = '10.61.0.250'; }, 'dhcpServers[0].ip', 'out_of_range');
  rejectsShared((s) => { server(s).ip = '10.60.0.255'; }, 'dhcpServers[0].ip', 'out_of_range');
  rejectsShared((s) => { server(s).ip = '10.60.0.0'; }, 'dhcpServers[0].ip', 'out_of_range');
  rejectsShared((s) => { server(s).gateway = '192.0.2.1'; }, 'dhcpServers[0].gateway', 'out_of_range');
  rejectsShared((s) => { server(s).gateway = SHARED.serverIp; }, 'dhcpServers[0].gateway', 'conflict');
  rejectsShared((s) => { server(s).dhcp.hosts[0]!.ip = SHARED.serverIp; }, 'dhcpServers[0].dhcp.hosts[0].ip', 'conflict');
  rejectsShared((s) => { server(s).dhcp.hosts[1]!.ip = SHARED.gateway; }, 'dhcpServers[0].dhcp.hosts[1].ip', 'reserved');
  rejectsShared((s) => { server(s).dhcp.hosts[0]!.ip = '10.61.0.5'; }, 'dhcpServers[0].dhcp.hosts[0].ip', 'out_of_range');
  rejectsShared((s) => { server(s).dhcp.hosts[1]!.mac = server(s).dhcp.hosts[0]!.mac; }, 'dhcpServers[0].dhcp.hosts[1].mac', 'conflict');
  rejectsShared((s) => { server(s).dhcp.domain = 'Not A Domain'; }, 'dhcpServers[0].dhcp.domain');
  rejectsShared((s) => { server(s).dhcp.upstreamServers = ['8.8.8.300']; }, 'dhcpServers[0].dhcp.upstreamServers[0]');
  rejectsShared((s) => { (server(s).dhcp as { hosts: unknown }).hosts = 'all'; }, 'dhcpServers[0].dhcp.hosts');
  rejectsShared((s) => { server(s).metadata.instances[0]!.ip = '10.99.0.1'; }, 'dhcpServers[0].metadata.instances[0].ip', 'out_of_range');
  rejectsShared((s) => { server(s).metadata.instances.push({ ...server(s).metadata.instances[0]! }); }, 'dhcpServers[0].metadata.instances[2].ip', 'conflict');
  rejectsShared((s) => { server(s).metadata.instances[1]!.userData = 'not base64!'; }, 'dhcpServers[0].metadata.instances[1].userData');
});
