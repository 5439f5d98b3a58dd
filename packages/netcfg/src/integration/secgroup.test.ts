// Security groups end to end on two testbed hosts joined by VXLAN. The mode is the
// one chooseSecurityGroupMode() picks for this kernel (br_netfilter on the CI
// machines, which lack nf_conntrack_bridge). Needs root, nftables, busybox.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { capabilitiesFromKernelConfig } from '../host-capabilities.ts';
import { chooseSecurityGroupMode, renderSecurityGroupNft, type SecurityGroup, type SecuredNic, type SecurityGroupMode } from '../secgroup-nft.ts';
import { attachGuest, createTestbed, type Testbed } from '../testbed/index.ts';
import { httpGet, startEchoServer } from './http-probe.ts';
import { bringUpVxlan, pings } from './vxlan-fixture.ts';

async function hostMode(tb: Testbed): Promise<SecurityGroupMode> {
  const caps = capabilitiesFromKernelConfig(gunzipSync(readFileSync('/proc/config.gz')).toString('utf8'));
  const sysctl = await tb.exec(0, ['cat', '/proc/sys/net/bridge/bridge-nf-call-iptables'], { allowFailure: true });
  const choice = chooseSecurityGroupMode({ ...caps, brNetfilter: caps.brNetfilter && sysctl.stdout.trim() === '1' });
  if (!choice.ok) assert.fail(choice.reason);
  return choice.mode;
}

test('security groups: group rules across hosts, statefulness, anti-spoofing', async (t) => {
  const tb = await createTestbed({ name: 'secgroup-test', hosts: 2 });
  t.after(() => tb.destroy());
  const [h0, h1] = tb.hosts as [typeof tb.hosts[0], typeof tb.hosts[0]];
  const { bridge } = await bringUpVxlan(tb, 9);
  const guest = (suffix: string, host: string, tap: string, ip: string, mac: string): Promise<string> =>
    attachGuest(tb, { suffix, hostNetns: host, bridge, hostIfname: tap, address: `${ip}/24`, mac, mtu: 1450 });
  const vm0 = await guest('vm0', h0.netns, 'tap0', '10.9.0.11', '52:54:00:09:00:11');
  const vm1 = await guest('vm1', h0.netns, 'tap1', '10.9.0.12', '52:54:00:09:00:12');
  const vm2 = await guest('vm2', h1.netns, 'tap2', '10.9.0.13', '52:54:00:09:00:13');

  const web: SecurityGroup = {
    id: 'sg-web',
    ingress: [
      { id: 'web-http', protocol: 'tcp', ports: { from: 80, to: 80 }, cidr: '0.0.0.0/0' },
      { id: 'web-ping', protocol: 'icmp', icmpType: 8, groupId: 'sg-admin' },
    ],
    egress: [{ protocol: 'all', cidr: '0.0.0.0/0' }],
    memberIps: ['10.9.0.11'],
  };
  const admin: SecurityGroup = {
    id: 'sg-admin',
    ingress: [{ id: 'admin-2222', protocol: 'tcp', ports: { from: 2222, to: 2222 }, cidr: '10.9.0.11/32' }],
    egress: [{ protocol: 'tcp', ports: { from: 80, to: 80 }, groupId: 'sg-web' }, { protocol: 'icmp', cidr: '0.0.0.0/0' }],
    memberIps: ['10.9.0.12', '10.9.0.13'],
  };
  const nics: Record<string, SecuredNic> = {
    vm0: { nicId: 'nic-vm0', tap: 'tap0', mac: '52:54:00:09:00:11', ips: ['10.9.0.11'], groupIds: ['sg-web'] },
    vm1: { nicId: 'nic-vm1', tap: 'tap1', mac: '52:54:00:09:00:12', ips: ['10.9.0.12'], groupIds: ['sg-admin'] },
    vm2: { nicId: 'nic-vm2', tap: 'tap2', mac: '52:54:00:09:00:13', ips: ['10.9.0.13'], groupIds: ['sg-admin'] },
  };
  const mode = await hostMode(tb);
  const apply = async (hostIndex: number, groups: SecurityGroup[], hostNics: SecuredNic[]): Promise<void> => {
    const file = join(tb.tempDir, `sg-h${hostIndex}.nft`);
    writeFileSync(file, renderSecurityGroupNft({ mode, groups, nics: hostNics }));
    await tb.exec(hostIndex, ['nft', '-f', file]);
  };

  // Before any rules everything is open.
  assert.ok(await pings(tb, vm0, '10.9.0.12'));
  assert.ok(await pings(tb, vm0, '10.9.0.13'));
  await apply(0, [web, admin], [nics.vm0!, nics.vm1!]);
  await apply(1, [web, admin], [nics.vm2!]);
  await startEchoServer(tb, vm0, 'vm0', 80);
  await startEchoServer(tb, vm0, 'vm0-81', 81);
  await startEchoServer(tb, vm1, 'vm1', 2222);
  await startEchoServer(tb, vm2, 'vm2', 2222);

  await t.test(`ingress from a peer group, on the same host and across VXLAN (mode ${mode})`, async () => {
    assert.ok(await pings(tb, vm1, '10.9.0.11'), 'sg-admin member on the same host may ping sg-web');
    assert.ok(await pings(tb, vm2, '10.9.0.11'), 'sg-admin member on the other host may ping sg-web');
    assert.equal(await pings(tb, vm0, '10.9.0.12'), false, 'sg-admin accepts no ping');
  });

  await t.test('stateful: replies pass although the reverse direction is closed', async () => {
    assert.equal(await httpGet(tb, vm1, 'http://10.9.0.11/'), 'vm0 10.9.0.12');
    assert.equal(await httpGet(tb, vm0, 'http://10.9.0.12:2222/'), 'vm1 10.9.0.11');
    assert.equal(await httpGet(tb, vm0, 'http://10.9.0.13:2222/'), 'vm2 10.9.0.11');
  });

  await t.test('egress rules: only what is allowed leaves the NIC', async () => {
    assert.equal(await httpGet(tb, vm1, 'http://10.9.0.11:81/'), 'TIMEOUT');
  });

  await t.test('anti-spoofing: foreign source IP, MAC and ARP claims are dropped', async () => {
    await tb.run(['ip', '-n', vm1, 'addr', 'add', '10.9.0.99/24', 'dev', 'eth0']);
    assert.ok(await pings(tb, vm1, '10.9.0.11'));
    const spoofedPing = await tb.execIn(vm1, ['busybox', 'ping', '-c', '1', '-W', '1', '-I', '10.9.0.99', '10.9.0.11'], { allowFailure: true });
    assert.notEqual(spoofedPing.code, 0, 'a packet from an IP the NIC does not own is dropped');
    const arp = (from: string) => tb.execIn(vm1, ['busybox', 'arping', '-c', '1', '-w', '1', '-I', 'eth0', '-s', from, '10.9.0.11'], { allowFailure: true });
    assert.equal((await arp('10.9.0.12')).code, 0, 'ARP with the own address is answered');
    assert.notEqual((await arp('10.9.0.99')).code, 0, 'ARP claiming a foreign address is dropped');
    await tb.run(['ip', '-n', vm1, 'link', 'set', 'eth0', 'address', '52:54:00:09:00:99']);
    assert.equal(await pings(tb, vm1, '10.9.0.11'), false, 'frames from a foreign MAC are dropped');
    await tb.run(['ip', '-n', vm1, 'link', 'set', 'eth0', 'address', '52:54:00:09:00:12']);
    assert.ok(await pings(tb, vm1, '10.9.0.11'));
  });

  await t.test('re-rendering replaces the rules atomically', async () => {
    await apply(0, [{ ...web, ingress: web.ingress.filter((r) => r.id !== 'web-ping') }, admin], [nics.vm0!, nics.vm1!]);
    assert.equal(await pings(tb, vm1, '10.9.0.11'), false);
    const tables = (await tb.exec(0, ['nft', 'list', 'tables'])).stdout.trim().split('\n').sort();
    assert.deepEqual(tables, mode === 'bridge' ? ['table bridge kumo_sg'] : ['table bridge kumo_sg', 'table inet kumo_sg']);
  });

  await t.test('bridge-mode ruleset is valid nft (full load needs nf_conntrack_bridge)', async () => {
    const scratch = await tb.createNamespace('scratch');
    const text = renderSecurityGroupNft({ mode: 'bridge', groups: [web, admin], nics: [nics.vm0!, nics.vm1!] });
    const file = join(tb.tempDir, 'sg-bridge.nft');
    writeFileSync(file, text);
    const full = await tb.execIn(scratch, ['nft', '-f', file], { allowFailure: true });
    if (mode === 'bridge') {
      assert.equal(full.code, 0, full.stderr);
      return;
    }
    // Without bridge conntrack the kernel refuses `ct` in bridge tables, and only that.
    assert.notEqual(full.code, 0);
    assert.match(full.stderr, /Could not process rule: Protocol error\n.*\bct state\b/);
    const withoutCt = join(tb.tempDir, 'sg-bridge-no-ct.nft');
    writeFileSync(withoutCt, text.split('\n').filter((l) => !/^\s*ct state/.test(l)).join('\n'));
    await tb.execIn(scratch, ['nft', '-f', withoutCt]);
  });
});
