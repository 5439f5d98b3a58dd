import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetcfgError } from './netcfg-error.ts';
import { routerPublicIps, type RouterConfig } from './router-config.ts';
import { renderRouterNft } from './router-nft.ts';
import { assertGolden, goldenCases } from './testbed/golden-file.ts';

for (const c of goldenCases('router', 'nft')) {
  test(`golden ${c.name}`, () => assertGolden(renderRouterNft(c.input as RouterConfig), c.expectedPath));
}

const base: RouterConfig = {
  guestInterface: 'rg0', publicInterface: 'rp0', guestCidr: '10.1.1.0/24', guestIp: '10.1.1.1', sourceNatIp: '203.0.113.10',
};

function refused(config: RouterConfig, code: string, field: string, message: RegExp): void {
  assert.throws(() => renderRouterNft(config), (e: unknown) => {
    assert.ok(e instanceof NetcfgError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.field, field);
    assert.match(e.message, message);
    return true;
  });
}

test('the table is replaced atomically: declared, deleted, then defined', () => {
  const lines = renderRouterNft(base).split('\n');
  assert.deepEqual(lines.slice(1, 4), ['table ip kumo_router {}', 'delete table ip kumo_router', 'table ip kumo_router {']);
});

test('public IPs are collected from SNAT, port forwards, static NATs and listeners', () => {
  assert.deepEqual(routerPublicIps({
    ...base,
    portForwards: [{ publicIp: '203.0.113.11', protocol: 'tcp', publicPorts: { from: 1, to: 1 }, privateIp: '10.1.1.5', privatePorts: { from: 1, to: 1 } }],
    staticNats: [{ publicIp: '203.0.113.9', privateIp: '10.1.1.6' }],
    listeners: [{ publicIp: '203.0.113.10', port: 80 }],
  }), ['203.0.113.9', '203.0.113.10', '203.0.113.11']);
});

test('refuses a private IP outside the guest network', () => {
  refused({ ...base, portForwards: [{ publicIp: '203.0.113.10', protocol: 'tcp', publicPorts: { from: 80, to: 80 }, privateIp: '10.2.0.5', privatePorts: { from: 80, to: 80 } }] },
    'out_of_range', 'portForwards[0].privateIp', /not a usable address/);
});

test('refuses overlapping port forwards on one public IP', () => {
  const pf = { publicIp: '203.0.113.10', protocol: 'tcp' as const, privateIp: '10.1.1.5' };
  refused({ ...base, portForwards: [
    { ...pf, id: 'a', publicPorts: { from: 80, to: 90 }, privatePorts: { from: 80, to: 90 } },
    { ...pf, id: 'b', publicPorts: { from: 90, to: 90 }, privatePorts: { from: 8080, to: 8080 } },
  ] }, 'conflict', 'portForwards[1]', /already used by port forward a/);
});

test('refuses a port forward clashing with a load balancer listener', () => {
  refused({ ...base, listeners: [{ publicIp: '203.0.113.10', port: 443 }], portForwards: [
    { publicIp: '203.0.113.10', protocol: 'tcp', publicPorts: { from: 443, to: 443 }, privateIp: '10.1.1.5', privatePorts: { from: 443, to: 443 } },
  ] }, 'conflict', 'listeners[0]', /load balancer listener/);
});

test('refuses port ranges of different lengths and overlong shifted ranges', () => {
  const pf = { publicIp: '203.0.113.10', protocol: 'udp' as const, privateIp: '10.1.1.5' };
  refused({ ...base, portForwards: [{ ...pf, publicPorts: { from: 100, to: 110 }, privatePorts: { from: 100, to: 105 } }] },
    'invalid', 'portForwards[0].privatePorts', /same length/);
  refused({ ...base, portForwards: [{ ...pf, publicPorts: { from: 10000, to: 12000 }, privatePorts: { from: 20000, to: 22000 } }] },
    'out_of_range', 'portForwards[0].privatePorts', /at most 1024/);
});

test('refuses static NAT on the source NAT IP or twice on one address', () => {
  refused({ ...base, staticNats: [{ publicIp: '203.0.113.10', privateIp: '10.1.1.5' }] }, 'conflict', 'staticNats[0].publicIp', /source NAT IP/);
  refused({ ...base, staticNats: [{ publicIp: '203.0.113.20', privateIp: '10.1.1.5' }, { publicIp: '203.0.113.21', privateIp: '10.1.1.5' }] },
    'conflict', 'staticNats[1].privateIp', /already has a static NAT/);
});

test('refuses firewall rules for foreign public IPs and empty source lists', () => {
  refused({ ...base, firewallRules: [{ publicIp: '203.0.113.99', protocol: 'tcp', sourceCidrs: ['0.0.0.0/0'] }] },
    'conflict', 'firewallRules[0].publicIp', /not a public IP of this router/);
  refused({ ...base, firewallRules: [{ publicIp: '203.0.113.10', protocol: 'tcp', sourceCidrs: [] }] },
    'invalid', 'firewallRules[0].sourceCidrs', /at least one CIDR/);
});

test('refuses names that could break out of the ruleset', () => {
  refused({ ...base, guestInterface: 'rg0" accept' }, 'invalid', 'guestInterface', /not a valid interface name/);
  refused({ ...base, firewallRules: [{ id: 'x" drop', publicIp: '203.0.113.10', protocol: 'all', sourceCidrs: ['0.0.0.0/0'] }] },
    'invalid', 'firewallRules[0].id', /not an acceptable id/);
  refused({ ...base, egress: { defaultPolicy: 'allow', rules: [{ protocol: 'icmp', ports: { from: 1, to: 2 }, destinationCidrs: ['0.0.0.0/0'] }] } },
    'invalid', 'egress.rules[0].ports', /tcp and udp only/);
});

test('without SNAT only static-NAT instances may leave', () => {
  const text = renderRouterNft({ ...base, sourceNatIp: null });
  assert.doesNotMatch(text, /jump guest_egress/);
  assert.doesNotMatch(text, /snat to 203/);
});
