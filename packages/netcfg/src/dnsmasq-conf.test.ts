import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderDnsmasqConf, type DnsmasqConfig } from './dnsmasq-conf.ts';
import { NetcfgError } from './netcfg-error.ts';
import { assertGolden, goldenCases } from './testbed/golden-file.ts';

for (const c of goldenCases('dnsmasq', 'conf')) {
  test(`golden ${c.name}`, () => assertGolden(renderDnsmasqConf(c.input as DnsmasqConfig), c.expectedPath));
}

const base: DnsmasqConfig = {
  interface: 'rg0', cidr: '10.1.1.0/24', gateway: '10.1.1.1', dnsServers: ['10.1.1.1'], domain: 'cloud.internal',
  leaseFile: '/tmp/x/leases', pidFile: '/tmp/x/pid', hosts: [],
};

function refused(config: DnsmasqConfig, code: string, field: string, message: RegExp): void {
  assert.throws(() => renderDnsmasqConf(config), (e: unknown) => {
    assert.ok(e instanceof NetcfgError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.field, field);
    assert.match(e.message, message);
    return true;
  });
}

test('refuses duplicate MACs, IPs and hostnames', () => {
  const h = { mac: '52:54:00:00:00:01', ip: '10.1.1.5', hostname: 'a' };
  refused({ ...base, hosts: [h, { ...h, ip: '10.1.1.6', hostname: 'b' }] }, 'conflict', 'hosts[1].mac', /also used by hosts\[0\]/);
  refused({ ...base, hosts: [h, { ...h, mac: '52:54:00:00:00:02', hostname: 'b' }] }, 'conflict', 'hosts[1].ip', /IP 10\.1\.1\.5/);
  refused({ ...base, hosts: [h, { ...h, mac: '52:54:00:00:00:02', ip: '10.1.1.6' }] }, 'conflict', 'hosts[1].hostname', /hostname a/);
});

test('refuses addresses outside the network, bad hostnames and unsafe paths', () => {
  refused({ ...base, hosts: [{ mac: '52:54:00:00:00:01', ip: '10.1.2.5', hostname: 'a' }] }, 'out_of_range', 'hosts[0].ip', /not a usable address/);
  refused({ ...base, hosts: [{ mac: '52:54:00:00:00:01', ip: '10.1.1.1', hostname: 'a' }] }, 'reserved', 'hosts[0].ip', /gateway/);
  refused({ ...base, hosts: [{ mac: '52:54:00:00:00:01', ip: '10.1.1.5', hostname: 'My VM' }] }, 'invalid', 'hosts[0].hostname', /not a valid hostname/);
  refused({ ...base, leaseFile: '/tmp/x\nserver=1.2.3.4' }, 'invalid', 'leaseFile', /not an acceptable path/);
  refused({ ...base, leaseTime: 60 }, 'out_of_range', 'leaseTime', /from 120/);
});
