import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIpLinks, parseIpRoutes, parseIpv4Addresses } from './ip-json.ts';

// Trimmed from `ip -d -j link show` (iproute2 6.1) on a host with a VXLAN network.
const LINKS = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, address: '00:00:00:00:00:00' },
  { ifindex: 2, ifname: 'kb-x', flags: ['BROADCAST', 'MULTICAST', 'UP'], mtu: 1450, address: 'B6:E9:EB:CB:18:4B', linkinfo: { info_kind: 'bridge', info_data: { stp_state: 0 } } },
  {
    ifindex: 5, ifname: 'kv-x', master: 'kb-x', flags: ['BROADCAST', 'MULTICAST'], mtu: 1450,
    linkinfo: { info_kind: 'vxlan', info_data: { id: 42, local: '10.0.0.1', link: 'd0', port: 4789, learning: false }, info_slave_kind: 'bridge' },
  },
  { ifindex: 3, link: 'd0', ifname: 'd1', master: 'kb-x', flags: ['BROADCAST', 'UP'], mtu: 1500, linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge' } },
  { ifindex: 6, link: 'eth0', ifname: 'eth0.7', flags: ['UP'], mtu: 1500, linkinfo: { info_kind: 'vlan', info_data: { protocol: '802.1Q', id: 7 } } },
]);

test('links: kind, master, MTU, up flag, MAC, VXLAN and VLAN attributes', () => {
  const links = parseIpLinks(LINKS);
  assert.deepEqual(links.get('lo'), { name: 'lo', mtu: 65536, up: true, mac: '00:00:00:00:00:00' });
  assert.deepEqual(links.get('kb-x'), { name: 'kb-x', kind: 'bridge', mtu: 1450, up: true, mac: 'b6:e9:eb:cb:18:4b' });
  assert.deepEqual(links.get('kv-x'), {
    name: 'kv-x', kind: 'vxlan', master: 'kb-x', mtu: 1450, up: false,
    vxlan: { id: 42, local: '10.0.0.1', device: 'd0', port: 4789, learning: false },
  });
  assert.equal(links.get('d1')?.master, 'kb-x');
  assert.deepEqual(links.get('eth0.7')?.vlan, { id: 7, device: 'eth0' });
  assert.equal(parseIpLinks('').size, 0);
});

test('addresses: IPv4 with prefix per device, host-scope ones left out', () => {
  const text = JSON.stringify([
    { ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' }] },
    { ifname: 'rp0', addr_info: [
      { family: 'inet', local: '203.0.113.10', prefixlen: 24, scope: 'global' },
      { family: 'inet', local: '203.0.113.11', prefixlen: 32, scope: 'global' },
      { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
    ] },
  ]);
  const addrs = parseIpv4Addresses(text);
  assert.deepEqual(addrs.get('lo'), []);
  assert.deepEqual(addrs.get('rp0'), ['203.0.113.10/24', '203.0.113.11/32']);
});

test('routes', () => {
  assert.deepEqual(parseIpRoutes('[{"dst":"default","gateway":"203.0.113.1","dev":"rp0","flags":[]}]'), [{ dst: 'default', gateway: '203.0.113.1', dev: 'rp0' }]);
  assert.deepEqual(parseIpRoutes('[]'), []);
});
