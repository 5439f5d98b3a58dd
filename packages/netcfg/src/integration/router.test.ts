// The virtual router end to end: rendered nft ruleset and haproxy.cfg in a router
// namespace between guest namespaces and a "public" namespace. Needs root, nftables,
// haproxy.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderHaproxyConf } from '../haproxy-conf.ts';
import { routerPublicIps, type RouterConfig } from '../router-config.ts';
import { renderRouterNft } from '../router-nft.ts';
import { attachGuest, createTestbed, runCommand, waitFor } from '../testbed/index.ts';
import { httpGet, startEchoServer } from './http-probe.ts';
import { bringUpVxlan } from './vxlan-fixture.ts';

test('router: SNAT, port forwarding, static NAT, firewall, egress, hairpin, metadata, load balancer', async (t) => {
  const tb = await createTestbed({ name: 'router-test', hosts: 1 });
  t.after(() => tb.destroy());
  const h0 = tb.hosts[0]!;
  const { bridge } = await bringUpVxlan(tb, 7);
  const vm0 = await attachGuest(tb, { suffix: 'vm0', hostNetns: h0.netns, bridge, hostIfname: 'tap0', address: '10.7.0.11/24', gateway: '10.7.0.1' });
  const vm1 = await attachGuest(tb, { suffix: 'vm1', hostNetns: h0.netns, bridge, hostIfname: 'tap1', address: '10.7.0.12/24', gateway: '10.7.0.1' });
  // The router: rg0 on the guest segment, rp0 towards "the internet" (namespace pub).
  const router = await attachGuest(tb, { suffix: 'r', hostNetns: h0.netns, bridge, hostIfname: 'rgh', guestIfname: 'rg0', address: '10.7.0.1/24' });
  const pub = await tb.createNamespace('pub');
  await tb.run(['ip', 'link', 'add', 'rp0', 'netns', router, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pub]);
  await tb.run(['ip', '-n', pub, 'addr', 'add', '203.0.113.2/24', 'dev', 'eth0']);
  await tb.run(['ip', '-n', pub, 'link', 'set', 'eth0', 'up']);
  await tb.execIn(router, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);

  const config: RouterConfig = {
    guestInterface: 'rg0', publicInterface: 'rp0', guestCidr: '10.7.0.0/24', guestIp: '10.7.0.1', sourceNatIp: '203.0.113.10',
    metadataPort: 8775,
    portForwards: [
      { id: 'pf-open', publicIp: '203.0.113.10', protocol: 'tcp', publicPorts: { from: 8080, to: 8080 }, privateIp: '10.7.0.11', privatePorts: { from: 80, to: 80 } },
      { id: 'pf-closed', publicIp: '203.0.113.10', protocol: 'tcp', publicPorts: { from: 8081, to: 8081 }, privateIp: '10.7.0.11', privatePorts: { from: 80, to: 80 } },
      { id: 'pf-shift', publicIp: '203.0.113.10', protocol: 'tcp', publicPorts: { from: 9000, to: 9001 }, privateIp: '10.7.0.11', privatePorts: { from: 80, to: 81 } },
    ],
    staticNats: [{ id: 'eip', publicIp: '203.0.113.20', privateIp: '10.7.0.12' }],
    listeners: [{ publicIp: '203.0.113.30', port: 80 }],
    firewallRules: [
      { id: 'fw-pf', publicIp: '203.0.113.10', protocol: 'tcp', ports: { from: 8080, to: 8080 }, sourceCidrs: ['0.0.0.0/0'] },
      { id: 'fw-shift', publicIp: '203.0.113.10', protocol: 'tcp', ports: { from: 9000, to: 9001 }, sourceCidrs: ['203.0.113.0/24'] },
      { id: 'fw-eip', publicIp: '203.0.113.20', protocol: 'tcp', ports: { from: 80, to: 80 }, sourceCidrs: ['203.0.113.0/24'] },
      { id: 'fw-lb', publicIp: '203.0.113.30', protocol: 'tcp', ports: { from: 80, to: 80 }, sourceCidrs: ['0.0.0.0/0'] },
    ],
    egress: { defaultPolicy: 'allow', rules: [{ id: 'no-8888', protocol: 'tcp', ports: { from: 8888, to: 8888 }, destinationCidrs: ['203.0.113.0/24'] }] },
  };
  for (const ip of routerPublicIps(config)) await tb.run(['ip', '-n', router, 'addr', 'add', `${ip}/32`, 'dev', 'rp0']);
  await tb.run(['ip', '-n', router, 'addr', 'add', '203.0.113.1/24', 'dev', 'rp0']);
  await tb.run(['ip', '-n', router, 'link', 'set', 'rp0', 'up']);
  const nftFile = join(tb.tempDir, 'router.nft');
  writeFileSync(nftFile, renderRouterNft(config));
  await tb.execIn(router, ['nft', '-f', nftFile]);

  await startEchoServer(tb, vm0, 'vm0', 80);
  await startEchoServer(tb, vm0, 'vm0-81', 81);
  const vm1Server = await startEchoServer(tb, vm1, 'vm1', 80);
  await startEchoServer(tb, pub, 'internet', 80);
  await startEchoServer(tb, pub, 'internet-8888', 8888);
  await startEchoServer(tb, router, 'metadata', 8775);

  await t.test('outbound traffic leaves with the source NAT IP; an elastic IP instance with its own', async () => {
    assert.equal(await httpGet(tb, vm0, 'http://203.0.113.2/'), 'internet 203.0.113.10');
    assert.equal(await httpGet(tb, vm1, 'http://203.0.113.2/'), 'internet 203.0.113.20');
  });

  await t.test('port forwards reach the instance when a firewall rule opens them', async () => {
    assert.equal(await httpGet(tb, pub, 'http://203.0.113.10:8080/'), 'vm0 203.0.113.2');
    assert.equal(await httpGet(tb, pub, 'http://203.0.113.10:9000/'), 'vm0 203.0.113.2');
    assert.equal(await httpGet(tb, pub, 'http://203.0.113.10:9001/'), 'vm0-81 203.0.113.2', 'shifted range maps 9001 -> 81');
    assert.equal(await httpGet(tb, pub, 'http://203.0.113.10:8081/'), 'TIMEOUT', 'no firewall rule: dropped');
    const counters = (await tb.execIn(router, ['nft', 'list', 'chain', 'ip', 'kumo_router', 'public_ingress'])).stdout;
    assert.match(counters, /counter packets [1-9]\d* bytes \d+ drop/);
  });

  await t.test('static NAT: inbound to the elastic IP reaches the instance', async () => {
    assert.equal(await httpGet(tb, pub, 'http://203.0.113.20/'), 'vm1 203.0.113.2');
  });

  await t.test('hairpin: a guest reaches a port forward of its own network', async () => {
    assert.equal(await httpGet(tb, vm1, 'http://203.0.113.10:8080/'), 'vm0 10.7.0.1');
  });

  await t.test('egress rules block what they name', async () => {
    assert.equal(await httpGet(tb, vm0, 'http://203.0.113.2:8888/'), 'TIMEOUT');
  });

  await t.test('metadata requests are redirected to the router, which sees the NIC address', async () => {
    assert.equal(await httpGet(tb, vm0, 'http://169.254.169.254/latest/meta-data/'), 'metadata 10.7.0.11');
    assert.equal(await httpGet(tb, vm1, 'http://169.254.169.254/'), 'metadata 10.7.0.12');
  });

  await t.test('HAProxy balances round robin and stops sending to a failed backend', async () => {
    const cfg = join(tb.tempDir, 'haproxy.cfg');
    writeFileSync(cfg, renderHaproxyConf({
      pidFile: join(tb.tempDir, 'haproxy.pid'),
      statsSocket: join(tb.tempDir, 'haproxy.sock'),
      loadBalancers: [{
        id: 'lb-web', publicIp: '203.0.113.30', publicPort: 80, algorithm: 'roundrobin',
        healthCheck: { intervalMs: 200, rise: 1, fall: 2, httpPath: '/' },
        backends: [{ ip: '10.7.0.11', port: 80 }, { ip: '10.7.0.12', port: 80 }],
      }],
    }));
    const check = await runCommand(['haproxy', '-c', '-f', cfg]);
    assert.match(check.stdout + check.stderr, /Configuration file is valid/);
    const haproxy = tb.spawnIn(router, ['haproxy', '-db', '-f', cfg]);
    await waitFor(async () => (await httpGet(tb, pub, 'http://203.0.113.30/')).startsWith('vm') || haproxy.child.exitCode !== null,
      { timeoutMs: 10_000, what: 'haproxy to answer' });
    assert.equal(haproxy.child.exitCode, null, haproxy.output());
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await httpGet(tb, pub, 'http://203.0.113.30/')).split(' ')[0]!);
    assert.deepEqual([...seen].sort(), ['vm0', 'vm1']);
    // backends see the router's guest address
    assert.match(await httpGet(tb, pub, 'http://203.0.113.30/'), /^vm[01] 10\.7\.0\.1$/);

    vm1Server.child.kill('SIGTERM');
    await vm1Server.exited;
    await waitFor(async () => {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await httpGet(tb, pub, 'http://203.0.113.30/'));
      return answers.every((a) => a.startsWith('vm0 '));
    }, { timeoutMs: 10_000, what: 'haproxy to take vm1 out of rotation' });
  });
});
