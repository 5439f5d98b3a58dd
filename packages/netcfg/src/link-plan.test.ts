import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capabilitiesFromKernelConfig } from './host-capabilities.ts';
import {
  floodEntries, hostSupportsVlan, parseBridgeFdb, planFdbSync, planFlatNetwork, planLinkTeardown, planVlanNetwork, planVxlanNetwork,
  vxlanDeviceNames, vxlanMtu, type FlatNetworkSpec, type VlanNetworkSpec, type VxlanNetworkSpec,
} from './link-plan.ts';
import { NetcfgError } from './netcfg-error.ts';
import { assertGolden, goldenCases } from './testbed/golden-file.ts';

type LinkCase = { kind: 'vxlan'; spec: VxlanNetworkSpec } | { kind: 'vlan'; spec: VlanNetworkSpec } | { kind: 'flat'; spec: FlatNetworkSpec };

function plan(c: LinkCase): string[][] {
  switch (c.kind) {
    case 'vxlan': return planVxlanNetwork(c.spec);
    case 'vlan': return planVlanNetwork(c.spec);
    case 'flat': return planFlatNetwork(c.spec);
  }
}

for (const c of goldenCases('link', 'argv')) {
  test(`golden ${c.name}`, () => assertGolden(`${plan(c.input as LinkCase).map((argv) => argv.join(' ')).join('\n')}\n`, c.expectedPath));
}

test('VXLAN MTU accounts for 50 bytes of encapsulation', () => {
  assert.equal(vxlanMtu(1500), 1450);
  assert.equal(vxlanMtu(9000), 8950);
  assert.throws(() => vxlanMtu(100), NetcfgError);
  assert.deepEqual(vxlanDeviceNames(16777215), { bridge: 'kbr16777215', vxlan: 'kvx16777215' });
});

test('a plan refuses its own underlay address among the remotes', () => {
  assert.throws(() => planVxlanNetwork({ bridge: 'b', vxlan: 'v', vni: 1, localIp: '10.0.0.1', underlayDevice: 'eth0', remoteIps: ['10.0.0.1'] }),
    (e: unknown) => e instanceof NetcfgError && e.code === 'conflict' && e.field === 'remoteIps');
});

test('teardown deletes the listed devices in order', () => {
  assert.deepEqual(planLinkTeardown({ netns: 'ns1', devices: ['kvx1', 'kbr1'] }), [
    ['ip', '-n', 'ns1', 'link', 'del', 'kvx1'], ['ip', '-n', 'ns1', 'link', 'del', 'kbr1'],
  ]);
});

test('VLAN: refused with a clear reason where 802.1Q is missing, long names refused', () => {
  const caps = capabilitiesFromKernelConfig('CONFIG_BRIDGE=y\n# CONFIG_VLAN_8021Q is not set\nCONFIG_NF_CONNTRACK_BRIDGE=m\n');
  assert.deepEqual(caps, { vlan8021q: false, bridgeConntrack: true, brNetfilter: false });
  const check = hostSupportsVlan(caps, 'host-7');
  assert.equal(check.ok, false);
  assert.match(check.ok ? '' : check.reason, /^host-7 cannot create 802\.1Q VLAN interfaces: its kernel lacks VLAN_8021Q/);
  assert.deepEqual(hostSupportsVlan({ ...caps, vlan8021q: true }), { ok: true });
  assert.throws(() => planVlanNetwork({ bridge: 'b', parentDevice: 'enp129s0f1np1', vlanId: 4000 }),
    (e: unknown) => e instanceof NetcfgError && e.field === 'vlanDevice' && /longer than 15/.test(e.message));
});

const SHOW = `f6:5c:e1:cb:4c:44 master kbr42 permanent
52:54:00:00:00:07 dst 10.9.9.3 self permanent
00:00:00:00:00:00 dst 10.9.9.2 self permanent
00:00:00:00:00:00 dst 10.9.9.3 self permanent
`;

test('parses bridge fdb show output, with and without dev and -s', () => {
  assert.deepEqual(parseBridgeFdb(SHOW), [
    { mac: 'f6:5c:e1:cb:4c:44', master: 'kbr42', flags: ['permanent'] },
    { mac: '52:54:00:00:00:07', dst: '10.9.9.3', flags: ['self', 'permanent'] },
    { mac: '00:00:00:00:00:00', dst: '10.9.9.2', flags: ['self', 'permanent'] },
    { mac: '00:00:00:00:00:00', dst: '10.9.9.3', flags: ['self', 'permanent'] },
  ]);
  assert.deepEqual(parseBridgeFdb('33:33:00:00:00:01 dev u1 self permanent\n00:00:00:00:00:00 dev kvx42 dst 10.9.9.2 used 3/7 self permanent\n\n'), [
    { mac: '33:33:00:00:00:01', dev: 'u1', flags: ['self', 'permanent'] },
    { mac: '00:00:00:00:00:00', dev: 'kvx42', dst: '10.9.9.2', flags: ['self', 'permanent'] },
  ]);
  assert.deepEqual(parseBridgeFdb('aa:bb:cc:dd:ee:ff vlan 10 master br0 extern_learn\nnot an entry\n'), [
    { mac: 'aa:bb:cc:dd:ee:ff', vlan: 10, master: 'br0', flags: ['extern_learn'] },
  ]);
});

test('fdb sync adds missing, removes stale, leaves local entries alone', () => {
  const desired = [...floodEntries(['10.9.9.2', '10.9.9.4']), { mac: '52:54:00:00:00:07', dst: '10.9.9.4' }];
  assert.deepEqual(planFdbSync({ netns: 'h0', device: 'kvx42', desired, current: parseBridgeFdb(SHOW) }), [
    ['bridge', '-n', 'h0', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'kvx42', 'dst', '10.9.9.4'],
    ['bridge', '-n', 'h0', 'fdb', 'append', '52:54:00:00:00:07', 'dev', 'kvx42', 'dst', '10.9.9.4'],
    ['bridge', '-n', 'h0', 'fdb', 'del', '00:00:00:00:00:00', 'dev', 'kvx42', 'dst', '10.9.9.3'],
    ['bridge', '-n', 'h0', 'fdb', 'del', '52:54:00:00:00:07', 'dev', 'kvx42', 'dst', '10.9.9.3'],
  ]);
});

test('fdb sync is empty when in sync, and ignores entries of other devices', () => {
  const current = parseBridgeFdb(`${SHOW}00:00:00:00:00:00 dev kvx9 dst 10.0.0.1 self permanent\n`);
  const desired = [...floodEntries(['10.9.9.3', '10.9.9.2']), { mac: '52:54:00:00:00:07', dst: '10.9.9.3' }];
  assert.deepEqual(planFdbSync({ device: 'kvx42', desired, current }), []);
  assert.deepEqual(planFdbSync({ device: 'kvx42', desired: [], current: [] }), []);
});
