import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetcfgError } from '@kumo/netcfg';
import type { HostNetworkSpec, IsolatedNetworkSpec, RouterSpec } from './host-network-spec.ts';
import { validateHostNetworkSpec } from './host-network-spec-validate.ts';
import { emptySpec, scenarioSpec } from './integration/two-host-spec.ts';

const hostIps: [string, string] = ['10.251.0.10', '10.251.0.11'];

function valid(): HostNetworkSpec {
  return structuredClone(scenarioSpec(1, { generation: 3, hostIps }));
}

function rejects(mutate: (s: HostNetworkSpec) => void, field: string | RegExp, code?: string): void {
  const spec = valid();
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
