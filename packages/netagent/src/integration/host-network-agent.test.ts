// The network agent end to end on two testbed hosts, guests as veth namespaces:
// DHCP, VXLAN, isolation, SNAT, port forward, load balancer, metadata, security
// groups, drift repair, restart, teardown. Needs root and the Debian packages
// nftables dnsmasq-base busybox-static haproxy.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { attachGuest, createTestbed, waitFor, type Testbed } from '@kumo/netcfg/testbed';
import type { ApplyReport } from '../apply-report.ts';
import { HostNetworkAgent } from '../host-network-agent.ts';
import { networkBridgeName, routerNetnsName } from '../network-names.ts';
import { dhcpLease, http, pings, REMOTE_ADDR_CGI, startHttpd, writeUdhcpcScript } from './guest-fixture.ts';
import { emptySpec, GUESTS, scenarioSpec, type ScenarioOptions } from './two-host-spec.ts';

function changed(report: ApplyReport, kind: string, action: string): boolean {
  return report.changes.some((c) => c.kind === kind && c.action === action);
}

function assertConverged(report: ApplyReport, what: string): void {
  assert.deepEqual(report.errors, [], `${what}: errors`);
  assert.deepEqual(report.changes, [], `${what}: a converged host reports no changes`);
}

async function ownedState(tb: Testbed, hostNetns: string): Promise<string[]> {
  const links = (await tb.run(['ip', '-n', hostNetns, '-o', 'link', 'show'])).stdout;
  const names = [...links.matchAll(/^\d+: ([^:@\s]+)/gm)].map((m) => m[1]!).filter((n) => /^(kb|kv|krg|krp)-[0-9a-z]{10}$/.test(n));
  const netns = (await tb.run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${tb.id}-h`) && n.includes('r-'));
  return [...names, ...netns];
}

test('host network agent: two hosts, routers, security groups, metadata, repair, teardown', async (t) => {
  const tb = await createTestbed({ name: 'netagent', hosts: 2 });
  const agents: HostNetworkAgent[] = [];
  t.after(async () => {
    for (const a of agents) await a.close();
    await tb.destroy();
  });
  const [h0, h1] = tb.hosts as [Testbed['hosts'][number], Testbed['hosts'][number]];
  const hostIps: [string, string] = [h0.underlayIp, h1.underlayIp];
  const prefix = (i: number): string => `${tb.id}-h${i}r-`;
  const newAgent = (i: 0 | 1): HostNetworkAgent => {
    const agent = new HostNetworkAgent({ stateDir: join(tb.tempDir, `agent-h${i}`), hostNetns: tb.hosts[i]!.netns, routerNetnsPrefix: prefix(i) });
    agents.push(agent);
    return agent;
  };
  let a0 = newAgent(0);
  const a1 = newAgent(1);
  let generation = 1;
  const applyBoth = async (o: Omit<ScenarioOptions, 'generation' | 'hostIps'> = {}): Promise<[ApplyReport, ApplyReport]> => {
    generation++;
    return [await a0.apply(scenarioSpec(0, { generation, hostIps, ...o })), await a1.apply(scenarioSpec(1, { generation, hostIps, ...o }))];
  };

  // The "physical" world: a public bridge on host 0 and a public NIC on host 1, both
  // leading to the namespace "pub" (the internet, with a web server telling clients
  // which address they came from). Plus objects the agent must leave alone.
  const pub = await tb.createNamespace('pub');
  await tb.run(['ip', '-n', h0.netns, 'link', 'add', 'pubbr', 'type', 'bridge']);
  await tb.run(['ip', '-n', h0.netns, 'link', 'set', 'pubbr', 'up']);
  await tb.run(['ip', 'link', 'add', 'pubh0', 'netns', h0.netns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pub]);
  await tb.run(['ip', '-n', h0.netns, 'link', 'set', 'pubh0', 'master', 'pubbr', 'up']);
  await tb.run(['ip', 'link', 'add', 'pubnic', 'netns', h1.netns, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', pub]);
  await tb.run(['ip', '-n', h1.netns, 'link', 'set', 'pubnic', 'up']);
  await tb.run(['ip', '-n', pub, 'addr', 'add', '203.0.113.1/24', 'dev', 'eth0']);
  await tb.run(['ip', '-n', pub, 'addr', 'add', '198.51.100.1/24', 'dev', 'eth1']);
  await tb.run(['ip', '-n', pub, 'link', 'set', 'eth0', 'up']);
  await tb.run(['ip', '-n', pub, 'link', 'set', 'eth1', 'up']);
  await startHttpd(tb, pub, 80, { 'index.html': 'internet\n', 'cgi-bin/ip': REMOTE_ADDR_CGI });
  await tb.run(['ip', '-n', h0.netns, 'link', 'add', 'kb-foreign1', 'type', 'bridge']);
  await tb.exec(0, ['nft', 'add', 'table', 'inet', 'foreign']);

  const bridgeA = networkBridgeName('net-a');
  const bridgeB = networkBridgeName('net-b');
  const routerA = routerNetnsName('rtr-a', prefix(0));
  const routerB = routerNetnsName('rtr-b', prefix(1));
  const script = writeUdhcpcScript(tb.tempDir);
  let ga0 = '';
  let ga1 = '';
  let gb0 = '';

  await t.test('first apply builds networks, routers and tables; applying again changes nothing', async () => {
    const [r0, r1] = [await a0.apply(scenarioSpec(0, { generation, hostIps })), await a1.apply(scenarioSpec(1, { generation, hostIps }))];
    for (const r of [r0, r1]) {
      assert.deepEqual(r.errors, []);
      for (const kind of ['network', 'router', 'router-nft', 'dnsmasq', 'metadata', 'security-groups']) assert.ok(changed(r, kind, 'created'), `created ${kind}`);
      assert.ok(r.changes.every((c) => c.action === 'created'), JSON.stringify(r.changes.filter((c) => c.action !== 'created')));
    }
    assert.ok(changed(r0, 'haproxy', 'created'));
    assertConverged(await a0.apply(scenarioSpec(0, { generation, hostIps })), 'host 0, same spec again');
    assertConverged(await a1.resync(), 'host 1 resync');
    const observed = await a0.observe();
    assert.deepEqual(observed.routers.map((r) => r.netns), [routerA]);
    assert.ok(Object.values(observed.routers[0]!.daemons).every((pid) => pid !== undefined), JSON.stringify(observed.routers));
  });

  await t.test('guests get their DHCP lease from their own router, also across VXLAN', async () => {
    const guest = (suffix: string, g: (typeof GUESTS)[keyof typeof GUESTS], bridge: string): Promise<string> =>
      attachGuest(tb, { suffix, hostNetns: tb.hosts[g.host]!.netns, bridge, hostIfname: g.tap, mac: g.mac, mtu: 1450 });
    ga0 = await guest('ga0', GUESTS.a0, bridgeA);
    ga1 = await guest('ga1', GUESTS.a1, bridgeA);
    gb0 = await guest('gb0', GUESTS.b0, bridgeB);
    assert.equal(await dhcpLease(tb, ga0, script), GUESTS.a0.ip);
    assert.equal(await dhcpLease(tb, ga1, script), GUESTS.a1.ip, 'a1 on host 1 is served by the router on host 0');
    assert.equal(await dhcpLease(tb, gb0, script), GUESTS.b0.ip);
    const route = (await tb.execIn(ga1, ['ip', 'route', 'show', 'default'])).stdout;
    assert.match(route, /default via 10\.60\.0\.1/);
    assert.match((await tb.execIn(ga1, ['ip', 'link', 'show', 'eth0'])).stdout, /mtu 1450/);
  });

  await t.test('guests of one network ping each other across hosts; another network cannot reach them', async () => {
    await waitFor(() => pings(tb, ga0, GUESTS.a1.ip), { timeoutMs: 10_000, what: 'a0 -> a1 over VXLAN' });
    assert.ok(await pings(tb, ga1, GUESTS.a0.ip));
    assert.equal(await pings(tb, gb0, GUESTS.a0.ip), false, 'net-b has the same CIDR but its own segment');
    assert.ok(await pings(tb, gb0, '10.60.0.1'), 'b0 reaches its own router');
  });

  await t.test('outbound traffic leaves with the router public IP (veth into a bridge, and macvlan)', async () => {
    assert.match(await http(tb, ga0, 'http://203.0.113.1/cgi-bin/ip'), /^200 \[?(::ffff:)?203\.0\.113\.10\]?$/);
    assert.match(await http(tb, ga1, 'http://203.0.113.1/cgi-bin/ip'), /^200 \[?(::ffff:)?203\.0\.113\.10\]?$/);
    assert.match(await http(tb, gb0, 'http://198.51.100.1/cgi-bin/ip'), /^200 \[?(::ffff:)?198\.51\.100\.10\]?$/);
  });

  await t.test('port forward and load balancer reach the guests from the public side', async () => {
    await startHttpd(tb, ga0, 80, { 'index.html': 'hello from vm-a0' });
    await startHttpd(tb, ga1, 80, { 'index.html': 'hello from vm-a1' });
    assert.equal(await http(tb, pub, 'http://203.0.113.10:8080/'), '200 hello from vm-a0');
    const seen = new Set<string>();
    await waitFor(async () => {
      seen.add(await http(tb, pub, 'http://203.0.113.11/'));
      return seen.has('200 hello from vm-a0') && seen.has('200 hello from vm-a1');
    }, { timeoutMs: 10_000, what: 'haproxy to use both backends' });

    const [r0] = await applyBoth({ lbBackends: [GUESTS.a1.ip] });
    assert.ok(changed(r0, 'haproxy', 'updated'), JSON.stringify(r0.changes));
    await waitFor(async () => {
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await http(tb, pub, 'http://203.0.113.11/'));
      return answers.every((a) => a === '200 hello from vm-a1');
    }, { timeoutMs: 10_000, what: 'the reloaded haproxy to use only vm-a1' });
  });

  await t.test('metadata answers each guest about itself; a spoofed request gets nothing', async () => {
    assert.equal(await http(tb, ga0, 'http://169.254.169.254/latest/meta-data/instance-id'), '200 i-a0');
    assert.equal(await http(tb, ga1, 'http://169.254.169.254/latest/meta-data/instance-id'), '200 i-a1');
    assert.equal(await http(tb, gb0, 'http://169.254.169.254/latest/meta-data/instance-id'), '200 i-b0');
    assert.equal(await http(tb, ga1, 'http://169.254.169.254/latest/meta-data/local-ipv4'), `200 ${GUESTS.a1.ip}`);
    assert.equal(await http(tb, ga0, 'http://169.254.169.254/latest/user-data'), '200 #cloud-config\nhostname: vm-a0\n');
    const os = JSON.parse((await http(tb, ga0, 'http://169.254.169.254/openstack/latest/meta_data.json')).slice(4)) as { uuid: string; hostname: string };
    assert.equal(os.uuid, 'i-a0');
    assert.equal(os.hostname, 'vm-a0');

    // b0 (net-b) takes a1's address (net-a): the anti-spoofing rules drop it, and even
    // so its router only knows net-b's instances.
    await tb.execIn(gb0, ['ip', 'addr', 'flush', 'dev', 'eth0']);
    await tb.execIn(gb0, ['ip', 'addr', 'add', `${GUESTS.a1.ip}/24`, 'dev', 'eth0']);
    await tb.execIn(gb0, ['ip', 'route', 'add', 'default', 'via', '10.60.0.1']);
    const spoofed = await http(tb, gb0, 'http://169.254.169.254/latest/meta-data/instance-id', { timeoutMs: 1000 });
    assert.ok(!spoofed.includes('i-a1'), spoofed);
    assert.doesNotMatch(spoofed, /^200 /);
    assert.equal(await dhcpLease(tb, gb0, script), GUESTS.b0.ip);
  });

  await t.test('a security group blocks a port until a spec change opens it', async () => {
    await startHttpd(tb, ga1, 8000, { 'index.html': 'alt from vm-a1' });
    assert.equal(await http(tb, ga0, `http://${GUESTS.a1.ip}:8000/`, { timeoutMs: 1000 }), 'TIMEOUT');
    const [, r1] = await applyBoth({ allow8000: true, lbBackends: [GUESTS.a1.ip] });
    assert.ok(changed(r1, 'security-groups', 'updated'), JSON.stringify(r1.changes));
    assert.equal(await http(tb, ga0, `http://${GUESTS.a1.ip}:8000/`), '200 alt from vm-a1');
  });

  await t.test('drift is repaired by one resync: router nft table, dnsmasq, bridge', async () => {
    await tb.run(['ip', 'netns', 'exec', routerA, 'nft', 'delete', 'table', 'ip', 'kumo_router']);
    assert.doesNotMatch(await http(tb, pub, 'http://203.0.113.10:8080/', { timeoutMs: 1000 }), /^200 /);
    const nft = await a0.resync();
    assert.ok(changed(nft, 'router-nft', 'repaired'), JSON.stringify(nft.changes));
    assert.equal(await http(tb, pub, 'http://203.0.113.10:8080/'), '200 hello from vm-a0');
    assertConverged(await a0.resync(), 'after the nft repair');

    const before = (await a0.observe()).routers[0]!.daemons.dnsmasq!;
    process.kill(before, 'SIGKILL');
    await waitFor(async () => (await a0.observe()).routers[0]!.daemons.dnsmasq === undefined, { timeoutMs: 5000, what: 'dnsmasq to die' });
    const dns = await a0.resync();
    assert.ok(changed(dns, 'dnsmasq', 'repaired'), JSON.stringify(dns.changes));
    assert.notEqual((await a0.observe()).routers[0]!.daemons.dnsmasq, before);
    assert.equal(await dhcpLease(tb, ga0, script), GUESTS.a0.ip);
    assertConverged(await a0.resync(), 'after the dnsmasq repair');

    await tb.run(['ip', '-n', h1.netns, 'link', 'del', bridgeA]);
    assert.equal(await pings(tb, ga1, GUESTS.a0.ip), false);
    const br = await a1.resync();
    assert.ok(changed(br, 'network', 'repaired') && changed(br, 'tap', 'repaired'), JSON.stringify(br.changes));
    await waitFor(() => pings(tb, ga1, GUESTS.a0.ip), { timeoutMs: 10_000, what: 'a1 -> a0 after the bridge repair' });
    assertConverged(await a1.resync(), 'after the bridge repair');

    // The whole router namespace deleted by hand: its daemons live on in the detached
    // namespace; the agent stops them and rebuilds the router.
    const old = (await a0.observe()).routers[0]!.daemons;
    await tb.run(['ip', 'netns', 'del', routerA]);
    const ns = await a0.resync();
    assert.deepEqual(ns.errors, []);
    assert.ok(changed(ns, 'router', 'repaired') && changed(ns, 'dnsmasq', 'repaired') && changed(ns, 'router-nft', 'repaired'), JSON.stringify(ns.changes));
    for (const pid of Object.values(old)) assert.ok(!existsSync(`/proc/${pid!}`) || /State:\s+Z/.test(readFileSync(`/proc/${pid!}/status`, 'utf8')), `old daemon ${pid} stopped`);
    assert.equal(await http(tb, ga0, 'http://169.254.169.254/latest/meta-data/instance-id'), '200 i-a0');
    assert.equal(await http(tb, pub, 'http://203.0.113.10:8080/'), '200 hello from vm-a0');
    assertConverged(await a0.resync(), 'after rebuilding the router');
  });

  await t.test('a restarted agent re-derives everything from its state dir and changes nothing', async () => {
    const dnsmasq = (await a0.observe()).routers[0]!.daemons.dnsmasq;
    await a0.close();
    a0 = newAgent(0);
    assert.equal(a0.spec?.generation, generation);
    assertConverged(await a0.resync(), 'first resync after restart');
    assert.equal((await a0.observe()).routers[0]!.daemons.dnsmasq, dnsmasq, 'dnsmasq kept running and was adopted');
    assert.equal(await http(tb, ga0, 'http://169.254.169.254/latest/meta-data/instance-id'), '200 i-a0');
  });

  await t.test('what is no longer desired is torn down; foreign objects stay', async () => {
    const metadataPid = (await a1.observe()).routers[0]!.daemons.metadata!;
    generation++;
    const r1 = await a1.apply(scenarioSpec(1, { generation, hostIps, allow8000: true, withoutNetB: true, lbBackends: [GUESTS.a1.ip] }));
    assert.deepEqual(r1.errors, []);
    assert.ok(changed(r1, 'router', 'removed') && changed(r1, 'network', 'removed'), JSON.stringify(r1.changes));
    assert.ok(!(await tb.run(['ip', 'netns', 'list'])).stdout.includes(routerB));
    assert.ok(!(await tb.run(['ip', '-n', h1.netns, 'link', 'show'])).stdout.includes(bridgeB));
    await waitFor(() => !existsSync(`/proc/${metadataPid}`) || /State:\s+Z/.test(readFileSync(`/proc/${metadataPid}/status`, 'utf8')), { timeoutMs: 5000, what: 'router B processes to end' });
    assert.ok(await pings(tb, ga1, GUESTS.a0.ip), 'net-a is untouched');

    // A new router that cannot be built (its public bridge is missing) leaves nothing behind.
    generation++;
    const broken = scenarioSpec(1, { generation, hostIps, allow8000: true, lbBackends: [GUESTS.a1.ip] });
    broken.routers[0]!.public.attach = { bridge: 'nosuchbr' };
    const failed = await a1.apply(broken);
    assert.deepEqual(failed.errors.map((e) => [e.kind, e.id]), [['router', 'rtr-b']]);
    assert.match(failed.errors[0]!.message, /nosuchbr/);
    assert.ok(!(await tb.run(['ip', 'netns', 'list'])).stdout.includes(routerB), 'the half-built namespace was removed');
    assert.doesNotMatch((await tb.run(['ip', '-n', h1.netns, '-o', 'link', 'show'])).stdout, /krg-/);

    generation++;
    for (const [i, agent] of [a0, a1].entries()) {
      const r = await agent.apply(emptySpec(i as 0 | 1, generation));
      assert.deepEqual(r.errors, []);
      assert.deepEqual(await ownedState(tb, tb.hosts[i]!.netns), [], `host ${i} has nothing of the agent left`);
      assert.doesNotMatch((await tb.exec(i, ['nft', 'list', 'tables'])).stdout, /kumo_sg/);
    }
    const h0Links = (await tb.run(['ip', '-n', h0.netns, 'link', 'show'])).stdout;
    assert.ok(h0Links.includes('kb-foreign1') && h0Links.includes('pubbr'), 'links the agent does not own stay');
    assert.match((await tb.exec(0, ['nft', 'list', 'tables'])).stdout, /table inet foreign/);
    assert.equal((await tb.run(['ip', 'netns', 'list'])).stdout.includes(routerA), false);
  });
});
