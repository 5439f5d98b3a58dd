// Needs root, busybox-static, nftables and dnsmasq-base.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderDnsmasqConf } from '../dnsmasq-conf.ts';
import { floodEntries, parseBridgeFdb, planFdbSync } from '../link-plan.ts';
import { renderRouterNft } from '../router-nft.ts';
import { attachGuest, createTestbed, runCommand, waitFor } from '../testbed/index.ts';
import { bringUpVxlan, pings } from './vxlan-fixture.ts';

test('testbed: two hosts, VXLAN, router nft, dnsmasq, full cleanup', async (t) => {
  const tb = await createTestbed({ name: 'testbed-test', hosts: 2 });
  t.after(() => tb.destroy());
  const [h0, h1] = tb.hosts;
  assert.ok(h0 !== undefined && h1 !== undefined);
  assert.match(h0.netns, /^kt-[a-z0-9]{5}-h0$/);

  await t.test('hosts reach a management server listening in the root namespace', async () => {
    const server = createServer((_req, res) => res.end('hello from the root namespace'));
    await new Promise<void>((resolve) => server.listen(0, tb.serverIp, resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (const i of [0, 1]) {
        // (busybox 1.35 wget segfaults with -T; runCommand's timeout bounds it instead)
        const r = await tb.exec(i, ['busybox', 'wget', '-q', '-O', '-', `http://${tb.serverIp}:${port}/`], { timeoutMs: 10_000 });
        assert.equal(r.stdout, 'hello from the root namespace');
      }
      const routes = await tb.exec(0, ['ip', '-4', 'route', 'show']);
      assert.doesNotMatch(routes.stdout, /default/, 'hosts must not be able to leave the testbed');
    } finally {
      server.close();
    }
  });

  const { bridge, vxlan } = await bringUpVxlan(tb, 42);
  const vm0 = await attachGuest(tb, { suffix: 'vm0', hostNetns: h0.netns, bridge, hostIfname: 'tap0', address: '10.42.0.11/24', mac: '52:54:00:42:00:11', mtu: 1450, gateway: '10.42.0.1' });
  const vm1 = await attachGuest(tb, { suffix: 'vm1', hostNetns: h1.netns, bridge, hostIfname: 'tap1', address: '10.42.0.12/24', mac: '52:54:00:42:00:12', mtu: 1450, gateway: '10.42.0.1' });

  await t.test('guests on different hosts ping each other over VXLAN', async () => {
    const link = await tb.exec(0, ['ip', '-d', 'link', 'show', vxlan]);
    assert.match(link.stdout, /mtu 1450/);
    assert.match(link.stdout, new RegExp(`vxlan id 42 local ${h0.underlayIp.replaceAll('.', '\\.')} dev eth0 .*dstport 4789 nolearning`));
    await waitFor(() => pings(tb, vm0, '10.42.0.12'), { timeoutMs: 10_000, what: 'vm0 -> vm1 ping over VXLAN' });
    assert.ok(await pings(tb, vm1, '10.42.0.11'));
  });

  await t.test('fdb diff: in sync after the plan, removal cuts the segment, re-adding restores it', async () => {
    const fdb = async (): Promise<ReturnType<typeof parseBridgeFdb>> =>
      parseBridgeFdb((await tb.run(['bridge', '-n', h0.netns, 'fdb', 'show', 'dev', vxlan])).stdout);
    const desired = floodEntries([h1.underlayIp]);
    const before = await fdb();
    assert.ok(before.some((e) => e.mac === '00:00:00:00:00:00' && e.dst === h1.underlayIp && e.flags.includes('self')));
    assert.deepEqual(planFdbSync({ netns: h0.netns, device: vxlan, desired, current: before }), []);

    const removal = planFdbSync({ netns: h0.netns, device: vxlan, desired: [], current: before });
    assert.deepEqual(removal, [['bridge', '-n', h0.netns, 'fdb', 'del', '00:00:00:00:00:00', 'dev', vxlan, 'dst', h1.underlayIp]]);
    for (const argv of removal) await tb.run(argv);
    assert.equal(await pings(tb, vm0, '10.42.0.12'), false, 'without a flood entry host 0 cannot reach host 1');

    const restore = planFdbSync({ netns: h0.netns, device: vxlan, desired, current: await fdb() });
    assert.equal(restore.length, 1);
    for (const argv of restore) await tb.run(argv);
    await waitFor(() => pings(tb, vm0, '10.42.0.12'), { timeoutMs: 10_000, what: 'ping after restoring the flood entry' });
    assert.deepEqual(planFdbSync({ netns: h0.netns, device: vxlan, desired, current: await fdb() }), []);
  });

  // A router namespace on host 0's segment, with a public side.
  const router = await tb.createNamespace('r');
  await tb.run(['ip', 'link', 'add', 'rgh0', 'netns', h0.netns, 'type', 'veth', 'peer', 'name', 'rg0', 'netns', router]);
  await tb.run(['ip', '-n', h0.netns, 'link', 'set', 'rgh0', 'master', bridge]);
  await tb.run(['ip', '-n', h0.netns, 'link', 'set', 'rgh0', 'up']);
  await tb.run(['ip', '-n', router, 'link', 'set', 'rg0', 'mtu', '1450']);
  await tb.run(['ip', '-n', router, 'addr', 'add', '10.42.0.1/24', 'dev', 'rg0']);
  await tb.run(['ip', '-n', router, 'link', 'set', 'rg0', 'up']);
  const routerConfig = {
    guestInterface: 'rg0', publicInterface: 'rp0', guestCidr: '10.42.0.0/24', guestIp: '10.42.0.1', sourceNatIp: '203.0.113.10',
    portForwards: [{ id: 'pf-1', publicIp: '203.0.113.10', protocol: 'tcp' as const, publicPorts: { from: 8080, to: 8080 }, privateIp: '10.42.0.12', privatePorts: { from: 80, to: 80 } }],
    firewallRules: [{ id: 'fw-1', publicIp: '203.0.113.10', protocol: 'tcp' as const, ports: { from: 8080, to: 8080 }, sourceCidrs: ['0.0.0.0/0'] }],
  };

  await t.test('router ruleset applies atomically with nft -f and lists back', async () => {
    const file = join(tb.tempDir, 'router.nft');
    writeFileSync(file, renderRouterNft(routerConfig));
    await tb.execIn(router, ['nft', '-f', file]); // table absent: the delete idiom must not fail
    await tb.execIn(router, ['nft', '-f', file]); // table present: replaced
    const listed = (await tb.execIn(router, ['nft', 'list', 'table', 'ip', 'kumo_router'])).stdout;
    for (const chain of ['pre_filter', 'public_ingress', 'pre_nat', 'post_nat', 'forward_filter', 'guest_egress', 'input_filter']) {
      assert.match(listed, new RegExp(`chain ${chain} \\{`));
    }
    assert.match(listed, /ip daddr 203\.0\.113\.10 tcp dport 8080 dnat to 10\.42\.0\.12:80 comment "pf-1"/);
    const tables = (await tb.execIn(router, ['nft', 'list', 'tables'])).stdout;
    assert.equal(tables.trim(), 'table ip kumo_router', 'exactly one table after two loads');
    // what nft prints must parse again
    const relisted = join(tb.tempDir, 'router-listed.nft');
    writeFileSync(relisted, listed);
    await tb.execIn(router, ['nft', '-c', '-f', relisted]);
  });

  await t.test('dnsmasq config passes dnsmasq --test, starts, and hands out the static lease', async () => {
    const conf = join(tb.tempDir, 'dnsmasq.conf');
    const pidFile = join(tb.tempDir, 'dnsmasq.pid');
    writeFileSync(conf, renderDnsmasqConf({
      interface: 'rg0', cidr: '10.42.0.0/24', gateway: '10.42.0.1', dnsServers: ['10.42.0.1'], mtu: 1450, domain: 'cloud.internal',
      leaseFile: join(tb.tempDir, 'dnsmasq.leases'), pidFile,
      hosts: [{ mac: '52:54:00:42:00:11', ip: '10.42.0.11', hostname: 'vm0' }, { mac: '52:54:00:42:00:12', ip: '10.42.0.12', hostname: 'vm1' }],
    }));
    const check = await runCommand(['dnsmasq', '--test', '-C', conf]);
    assert.match(check.stdout + check.stderr, /syntax check OK/);
    const dnsmasq = tb.spawnIn(router, ['dnsmasq', '--keep-in-foreground', `--conf-file=${conf}`]);
    await waitFor(() => existsSync(pidFile) || dnsmasq.child.exitCode !== null, { timeoutMs: 10_000, what: 'dnsmasq pid file' });
    assert.equal(dnsmasq.child.exitCode, null, `dnsmasq exited: ${dnsmasq.output()}`);
    assert.equal(Number(readFileSync(pidFile, 'utf8').trim()), dnsmasq.pid);
    const dhcp = await tb.execIn(vm0, ['busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', '5', '-T', '1', '-s', '/bin/true']);
    assert.match(dhcp.stdout + dhcp.stderr, /lease of 10\.42\.0\.11 obtained/);
    const dns = await tb.execIn(vm0, ['busybox', 'nslookup', 'vm1.cloud.internal', '10.42.0.1']);
    assert.match(dns.stdout, /10\.42\.0\.12/);
  });

  await t.test('destroy removes every namespace, link, process and file', async () => {
    const tempDir = tb.tempDir;
    const procs = (await runCommand(['ip', 'netns', 'pids', router])).stdout.trim().split('\n').filter((l) => l !== '').map(Number);
    assert.ok(procs.length > 0, 'dnsmasq runs in the router namespace');
    await tb.destroy();
    const netns = (await runCommand(['ip', 'netns', 'list'])).stdout;
    assert.ok(!netns.split('\n').some((l) => l.startsWith(`${tb.id}-`)), `namespaces left: ${netns}`);
    const links = (await runCommand(['ip', '-o', 'link', 'show'])).stdout;
    assert.ok(!links.includes(`${tb.id}-`), 'no root-namespace link of the testbed remains');
    assert.equal(existsSync(tempDir), false);
    for (const pid of procs) assert.equal(existsSync(`/proc/${pid}`) && !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8')), false);
    await tb.destroy(); // idempotent
  });
});
