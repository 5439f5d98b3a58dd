import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeTraffic, formatPortRange, nicLabel, segmentLabel } from './network-format.ts';

test('port ranges show one port alone', () => {
  assert.equal(formatPortRange({ from: 80, to: 80 }), '80');
  assert.equal(formatPortRange({ from: 8000, to: 8100 }), '8000-8100');
  assert.equal(formatPortRange(null), '');
});

test('segments', () => {
  assert.equal(segmentLabel({ segment: 'vxlan', vni: 5000, vlan: null }), 'VXLAN 5000');
  assert.equal(segmentLabel({ segment: 'vlan', vni: null, vlan: 120 }), 'VLAN 120');
  assert.equal(segmentLabel({ segment: 'flat', vni: null, vlan: null }), 'flat');
  assert.equal(segmentLabel({ segment: 'flat', vni: null, vlan: 7 }), 'flat, VLAN 7');
});

test('rule traffic', () => {
  const none = { ports: null, icmpType: null, icmpCode: null };
  assert.equal(describeTraffic({ ...none, protocol: 'tcp', ports: { from: 22, to: 22 } }), 'tcp 22');
  assert.equal(describeTraffic({ ...none, protocol: 'udp' }), 'udp 1-65535');
  assert.equal(describeTraffic({ ...none, protocol: 'icmp', icmpType: 8, icmpCode: 0 }), 'icmp 8/0');
  assert.equal(describeTraffic({ ...none, protocol: 'icmp', icmpType: 8 }), 'icmp 8');
  assert.equal(describeTraffic({ ...none, protocol: 'icmp' }), 'icmp');
  assert.equal(describeTraffic({ ...none, protocol: 'all' }), 'all');
});

test('NICs by instance name, or id when the name is not known', () => {
  const names = new Map([['instance-1', 'web-1']]);
  assert.equal(nicLabel({ ip: '10.1.0.5', instanceId: 'instance-1' }, names), 'web-1 (10.1.0.5)');
  assert.equal(nicLabel({ ip: '10.1.0.6', instanceId: 'instance-2' }, names), 'instance-2 (10.1.0.6)');
});
