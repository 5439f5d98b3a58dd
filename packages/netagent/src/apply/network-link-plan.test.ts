import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planVxlanNetwork } from '@kumo/netcfg';
import type { IsolatedNetworkSpec, SharedNetworkSpec } from '../host-network-spec.ts';
import type { ObservedLink } from '../ip-json.ts';
import { networkBridgeName, networkSegmentDeviceName } from '../network-names.ts';
import { planNetworkAttributes, planNetworkCreation, segmentMatches } from './network-link-plan.ts';

const net: IsolatedNetworkSpec = {
  networkId: 'net-a', kind: 'isolated', bridge: networkBridgeName('net-a'), mtu: 1450,
  segment: { type: 'vxlan', vni: 4100, underlay: { device: 'eth0', localIp: '10.0.0.1' }, peers: ['10.0.0.2'] },
};
const B = net.bridge;
const V = networkSegmentDeviceName('net-a');

function observed(...links: ObservedLink[]): Map<string, ObservedLink> {
  return new Map(links.map((l) => [l.name, l]));
}
const bridge: ObservedLink = { name: B, kind: 'bridge', mtu: 1450, up: true };
const vxlan: ObservedLink = { name: V, kind: 'vxlan', master: B, mtu: 1450, up: true, vxlan: { id: 4100, local: '10.0.0.1', device: 'eth0', port: 4789, learning: false } };
const eth0: ObservedLink = { name: 'eth0', mtu: 1500, up: true };

test('nothing there: exactly netcfg planVxlanNetwork, with undo for the two creations', () => {
  const steps = planNetworkCreation('h0', net, observed(eth0));
  const expected = planVxlanNetwork({ netns: 'h0', bridge: B, vxlan: V, vni: 4100, localIp: '10.0.0.1', underlayDevice: 'eth0', underlayMtu: 1500, remoteIps: ['10.0.0.2'] });
  assert.deepEqual(steps.map((s) => s.argv), expected);
  assert.deepEqual(steps.filter((s) => s.undo !== undefined).map((s) => s.undo), [['ip', '-n', 'h0', 'link', 'del', B], ['ip', '-n', 'h0', 'link', 'del', V]]);
});

test('a converged network needs nothing', () => {
  assert.deepEqual(planNetworkCreation(undefined, net, observed(bridge, vxlan, eth0)), []);
  assert.deepEqual(planNetworkAttributes(undefined, net, observed(bridge, vxlan, eth0), []), []);
});

test('bridge deleted by hand: recreate it with netcfg argv, re-attach the VXLAN device and the taps', () => {
  const { master: _detached, ...loose } = vxlan;
  const create = planNetworkCreation(undefined, net, observed(loose, eth0));
  assert.deepEqual(create.map((s) => s.argv), [['ip', 'link', 'add', B, 'mtu', '1450', 'type', 'bridge']]);
  const tap: ObservedLink = { name: 'tap0', kind: 'tun', mtu: 1450, up: true };
  const fresh: ObservedLink = { name: B, kind: 'bridge', mtu: 1500, up: false };
  const attrs = planNetworkAttributes(undefined, net, observed(fresh, loose, tap, eth0), ['tap0', 'tap-not-running']);
  assert.deepEqual(attrs.map((s) => s.argv), [
    ['ip', 'link', 'set', B, 'mtu', '1450'],
    ['ip', 'link', 'set', V, 'master', B],
    ['ip', 'link', 'set', B, 'up'],
    ['ip', 'link', 'set', 'dev', 'tap0', 'mtu', '1450', 'master', B, 'up'],
  ]);
  assert.equal(attrs[3]!.tap, 'tap0');
});

test('a VXLAN device with another VNI or VTEP is replaced', () => {
  const wrong: ObservedLink = { ...vxlan, vxlan: { ...vxlan.vxlan!, id: 999 } };
  assert.equal(segmentMatches(net, wrong), false);
  assert.equal(segmentMatches(net, { ...vxlan, vxlan: { ...vxlan.vxlan!, learning: true } }), false);
  const steps = planNetworkCreation(undefined, net, observed(bridge, wrong));
  assert.deepEqual(steps.map((s) => s.argv.slice(0, 4)), [['ip', 'link', 'del', V], ['ip', 'link', 'add', V]]);
  assert.ok(steps[1]!.argv.includes('4100') && steps[1]!.argv.includes('nolearning'));
});

test('a shared network: the uplink joins the bridge and keeps its MTU', () => {
  const shared: SharedNetworkSpec = { networkId: 'net-s', kind: 'shared', bridge: networkBridgeName('net-s'), mtu: 1500, physicalDevice: 'eth1' };
  const eth1: ObservedLink = { name: 'eth1', mtu: 9000, up: false };
  assert.deepEqual(planNetworkCreation(undefined, shared, observed(eth1)).map((s) => s.argv), [
    ['ip', 'link', 'add', shared.bridge, 'mtu', '1500', 'type', 'bridge'],
    ['ip', 'link', 'set', 'eth1', 'master', shared.bridge],
    ['ip', 'link', 'set', 'eth1', 'up'],
    ['ip', 'link', 'set', shared.bridge, 'up'],
  ]);
  const br: ObservedLink = { name: shared.bridge, kind: 'bridge', mtu: 1500, up: true };
  assert.deepEqual(planNetworkAttributes(undefined, shared, observed(br, { ...eth1, master: shared.bridge, up: true }), []), []);
  assert.throws(() => planNetworkAttributes(undefined, shared, observed(br), []), /eth1 .* does not exist/);
});
