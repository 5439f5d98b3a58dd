// A shared network end to end on two testbed hosts: each host's bridge has a
// "physical" veth into a common switch namespace holding the physical gateway; the
// DHCP/DNS/metadata server runs on host 0 only. Guests (veth namespaces) on both
// hosts get their static leases with option 121, reach each other, the gateway and
// the metadata service; spoofed sources and unknown MACs get nothing; drift is
// repaired by one resync; removal leaves nothing. Needs root and the Debian packages
// nftables dnsmasq-base busybox-static.
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { attachGuest, createTestbed, waitFor, type Testbed } from '@kumo/netcfg/testbed';
import type { ApplyReport } from '../apply-report.ts';
import { findStrayDaemon, processGone, stopProcess } from '../daemon-process.ts';
import { HostNetworkAgent } from '../host-network-agent.ts';
import { isOwnedLinkName, isOwnedNetnsName, networkBridgeName, routerGuestVethName, routerNetnsName } from '../network-names.ts';
import { http, pings } from './guest-fixture.ts';
import { SHARED, SHARED_GUESTS, sharedSpec, type SharedScenarioOptions } from './shared-network-spec.ts';

// udhcpc event script that honours option 121 (classless static routes), as real
// clients do: with it, option 3 (router) is ignored. Prints what it got.
const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip -4 route flush dev "$interface" ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    echo "router=$router staticroutes=$staticroutes dns=$dns"
    if [ -n "$staticroutes" ]; then
      set -- $staticroutes
      while [ $# -ge 2 ]; do ip route replace "$1" via "$2" dev "$interface"; shift 2; done
    else
      for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
    fi
    ;;
esac
exit 0
`;

interface Lease {
  ip: string;
  /** The script's "router=… staticroutes=… dns=…" line. */
  options: string;
}

/** One DHCP exchange asking for option 121; undefined when no lease came. */
async function lease(tb: Testbed, guest: string, script: string, tries = 6): Promise<Lease | undefined> {
  const r = await tb.execIn(guest, ['busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', String(tries), '-T', '1', '-O', 'staticroutes', '-s', script], { allowFailure: true, timeoutMs: 20_000 });
  const out = r.stdout + r.stderr;
  const ip = /lease of (\d+\.\d+\.\d+\.\d+) obtained/.exec(out)?.[1];
  return ip === undefined ? undefined : { ip, options: /^router=.*$/m.exec(out)?.[0] ?? '' };
}

function changed(report: ApplyReport, kind: string, action: string): boolean {
  return report.changes.some((c) => c.kind === kind && c.action === action);
}

function assertConverged(report: ApplyReport, what: string): void {
  assert.deepEqual(report.errors, [], `${what}: errors`);
  assert.deepEqual(report.changes, [], `${what}: a converged host reports no changes`);
}

function gone(pid: number | undefined): boolean {
  return pid === undefined || processGone(pid);
}

test('shared network: DHCP/DNS/metadata server on one host, guests on two, repair, teardown', async (t) => {
  const tb = await createTestbed({ name: 'netagent-shared', hosts: 2 });
  const agents: HostNetworkAgent[] = [];
  const stateDir = (i: number): string => join(tb.tempDir, `agent-h${i}`);
  t.after(async () => {
    for (const a of agents) await a.close();
    // Daemons of a namespace deleted by hand live on outside any testbed namespace.
    for (const i of [0, 1]) {
      const root = join(stateDir(i), 'dhcp-servers');
      let dirs: string[] = [];
      try {
        dirs = readdirSync(root);
      } catch {
        continue;
      }
      for (const d of dirs) {
        for (const [name, config] of [['dnsmasq', 'dnsmasq.conf'], ['metadata', 'metadata.json']]) {
          const pid = findStrayDaemon({ pidFile: join(root, d, `${name}.pid`), netns: '', marker: join(root, d, config!) });
          if (pid !== undefined) await stopProcess(pid, 1000);
        }
      }
    }
    await tb.destroy();
  });
  const [h0, h1] = tb.hosts as [Testbed['hosts'][number], Testbed['hosts'][number]];
  const prefix = (i: number): string => `${tb.id}-h${i}r-`;
  const newAgent = (i: 0 | 1): HostNetworkAgent => {
    const agent = new HostNetworkAgent({ stateDir: stateDir(i), hostNetns: tb.hosts[i]!.netns, routerNetnsPrefix: prefix(i) });
    agents.push(agent);
    return agent;
  };
  let a0 = newAgent(0);
  const a1 = newAgent(1);
  let generation = 1;
  const applyBoth = async (o: Omit<SharedScenarioOptions, 'generation'> = {}): Promise<[ApplyReport, ApplyReport]> => {
    generation++;
    return [await a0.apply(sharedSpec(0, { generation, ...o })), await a1.apply(sharedSpec(1, { generation, ...o }))];
  };

  // The physical LAN: a switch bridge with the physical gateway on it (and, on its
  // lo, an address beyond the gateway); each host's phys0 is a port of it.
  const sw = await tb.createNamespace('sw');
  await tb.run(['ip', '-n', sw, 'link', 'add', 'swbr', 'type', 'bridge']);
  await tb.run(['ip', '-n', sw, 'addr', 'add', `${SHARED.gateway}/24`, 'dev', 'swbr']);
  await tb.run(['ip', '-n', sw, 'addr', 'add', '192.0.2.1/32', 'dev', 'lo']);
  await tb.run(['ip', '-n', sw, 'link', 'set', 'swbr', 'up']);
  for (const h of [h0, h1]) {
    const port = `swp${h.index}`;
    await tb.run(['ip', 'link', 'add', SHARED.physicalDevice, 'netns', h.netns, 'type', 'veth', 'peer', 'name', port, 'netns', sw]);
    await tb.run(['ip', '-n', sw, 'link', 'set', port, 'master', 'swbr', 'up']);
  }

  const bridge = networkBridgeName(SHARED.networkId);
  const serverNs = routerNetnsName(SHARED.serverId, prefix(0));
  const serverLeg = routerGuestVethName(SHARED.serverId);
  const script = join(tb.tempDir, 'udhcpc-121.sh');
  writeFileSync(script, UDHCPC_SCRIPT);
  chmodSync(script, 0o755);
  const metadata = (guest: string, path = 'latest/meta-data/instance-id', timeoutMs?: number): Promise<string> =>
    http(tb, guest, `http://169.254.169.254/${path}`, timeoutMs === undefined ? {} : { timeoutMs });
  const daemons = async (): Promise<{ dnsmasq: number | undefined; metadata: number | undefined }> => {
    const servers = (await a0.observe()).dhcpServers;
    assert.equal(servers.length, 1, JSON.stringify(servers));
    return servers[0]!.daemons;
  };
  let gs0 = '';
  let gs1 = '';

  await t.test('first apply builds the network on both hosts and the server on host 0; again changes nothing', async () => {
    const [r0, r1] = [await a0.apply(sharedSpec(0, { generation })), await a1.apply(sharedSpec(1, { generation }))];
    for (const r of [r0, r1]) assert.deepEqual(r.errors, []);
    for (const kind of ['network', 'security-groups', 'dhcp-server', 'dhcp-server-link', 'dhcp-server-address', 'dhcp-server-route', 'dhcp-server-nft', 'dnsmasq', 'metadata']) {
      assert.ok(changed(r0, kind, 'created'), `created ${kind}: ${JSON.stringify(r0.changes)}`);
    }
    assert.ok(r0.changes.every((c) => c.action === 'created'), JSON.stringify(r0.changes.filter((c) => c.action !== 'created')));
    assert.ok(!r1.changes.some((c) => c.kind.startsWith('dhcp-server')), 'host 1 has no server');
    assertConverged(await a0.apply(sharedSpec(0, { generation })), 'host 0, same spec again');
    assertConverged(await a1.resync(), 'host 1 resync');

    const observed = await a0.observe();
    assert.deepEqual(observed.routers, [], 'a DHCP server is not a router');
    assert.deepEqual(observed.dhcpServers.map((s) => s.netns), [serverNs]);
    assert.ok(Object.values(observed.dhcpServers[0]!.daemons).every((pid) => pid !== undefined), JSON.stringify(observed.dhcpServers));
    assert.deepEqual((await a1.observe()).dhcpServers, []);
    // One leg, no public side, no forwarding.
    const links = (await tb.run(['ip', '-n', serverNs, '-o', 'link', 'show'])).stdout;
    assert.deepEqual([...links.matchAll(/^\d+: ([^:@\s]+)/gm)].map((m) => m[1]).sort(), ['lo', 'rg0']);
    assert.equal((await tb.run(['ip', 'netns', 'exec', serverNs, 'sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim(), '0');
    assert.match((await tb.run(['ip', '-n', h0.netns, 'link', 'show', serverLeg])).stdout, new RegExp(`master ${bridge}`));
  });

  await t.test('guests on both hosts get their static lease with option 121 from the server on host 0', async () => {
    const guest = (suffix: string, g: (typeof SHARED_GUESTS)[keyof typeof SHARED_GUESTS]): Promise<string> =>
      attachGuest(tb, { suffix, hostNetns: tb.hosts[g.host]!.netns, bridge, hostIfname: g.tap, mac: g.mac });
    gs0 = await guest('gs0', SHARED_GUESTS.s0);
    gs1 = await guest('gs1', SHARED_GUESTS.s1);
    const [l0, l1] = await Promise.all([lease(tb, gs0, script), lease(tb, gs1, script)]);
    assert.equal(l0?.ip, SHARED_GUESTS.s0.ip);
    assert.equal(l1?.ip, SHARED_GUESTS.s1.ip, 's1 on host 1 is served across the physical network');
    assert.equal(l1.options, `router=${SHARED.gateway} staticroutes=169.254.169.254/32 ${SHARED.serverIp} 0.0.0.0/0 ${SHARED.gateway} dns=${SHARED.serverIp}`);
    for (const g of [gs0, gs1]) {
      const routes = (await tb.execIn(g, ['ip', 'route', 'show'])).stdout;
      assert.match(routes, new RegExp(`^default via ${SHARED.gateway.replaceAll('.', '\\.')} dev eth0`, 'm'), routes);
      assert.match(routes, new RegExp(`^169\\.254\\.169\\.254 via ${SHARED.serverIp.replaceAll('.', '\\.')} dev eth0`, 'm'), routes);
    }
  });

  await t.test('guests reach each other across hosts, the physical gateway and beyond it, and resolve instance names', async () => {
    await waitFor(() => pings(tb, gs0, SHARED_GUESTS.s1.ip), { timeoutMs: 10_000, what: 's0 -> s1 across the switch' });
    assert.ok(await pings(tb, gs1, SHARED_GUESTS.s0.ip));
    assert.ok(await pings(tb, gs1, SHARED.gateway));
    assert.ok(await pings(tb, gs1, '192.0.2.1'), 'the default route from option 121 leads through the physical gateway');
    assert.ok(await pings(tb, gs1, SHARED.serverIp));
    const ns = await tb.execIn(gs1, ['busybox', 'nslookup', `${SHARED_GUESTS.s0.hostname}.${SHARED.domain}`, SHARED.serverIp], { allowFailure: true });
    assert.match(ns.stdout, new RegExp(`Address:\\s*${SHARED_GUESTS.s0.ip.replaceAll('.', '\\.')}`), ns.stdout + ns.stderr);
  });

  await t.test('metadata answers each guest about itself; its port is not reachable directly', async () => {
    assert.equal(await metadata(gs0), '200 i-s0');
    assert.equal(await metadata(gs1), '200 i-s1', 'host 1 guest reaches the server on host 0');
    assert.equal(await metadata(gs1, 'latest/meta-data/local-ipv4'), `200 ${SHARED_GUESTS.s1.ip}`);
    assert.equal(await metadata(gs0, 'latest/user-data'), '200 #cloud-config\nhostname: vm-s0\n');
    assert.equal(await http(tb, gs0, `http://${SHARED.serverIp}:8775/latest/meta-data/instance-id`, { timeoutMs: 1000 }), 'TIMEOUT');
  });

  await t.test('a guest forging another guest\'s address gets nothing; an unknown MAC gets no lease', async () => {
    // s0 is offline, so only s1 could answer ARP for s0's address.
    await tb.execIn(gs0, ['ip', 'link', 'set', 'eth0', 'down']);
    await tb.execIn(gs1, ['ip', 'addr', 'flush', 'dev', 'eth0']);
    await tb.execIn(gs1, ['ip', 'addr', 'add', `${SHARED_GUESTS.s0.ip}/24`, 'dev', 'eth0']);
    await tb.execIn(gs1, ['ip', 'route', 'replace', '169.254.169.254/32', 'via', SHARED.serverIp, 'dev', 'eth0']);
    const forged = async (): Promise<string> => {
      await tb.run(['ip', '-n', serverNs, 'neigh', 'flush', 'all']);
      return metadata(gs1, undefined, 1000);
    };
    const spoofed = await forged();
    assert.ok(!spoofed.includes('i-s0'), spoofed);
    assert.doesNotMatch(spoofed, /^200 /);
    // Control: it is host 1's anti-spoofing that stops it. Without the tables the
    // forged request is answered (the service trusts source addresses) until resync.
    for (const table of (await tb.exec(1, ['nft', 'list', 'tables'])).stdout.split('\n').filter((l) => l.endsWith(' kumo_sg'))) {
      await tb.exec(1, ['nft', 'delete', ...table.split(' ')]);
    }
    assert.equal(await forged(), '200 i-s0');
    assert.ok(changed(await a1.resync(), 'security-groups', 'repaired'));
    assert.doesNotMatch(await forged(), /^200 /);
    await tb.execIn(gs0, ['ip', 'link', 'set', 'eth0', 'up']);
    assert.equal((await lease(tb, gs0, script))?.ip, SHARED_GUESTS.s0.ip);
    assert.equal((await lease(tb, gs1, script))?.ip, SHARED_GUESTS.s1.ip);

    // A machine on the physical LAN and a tap the spec does not know: DHCP stays silent.
    const [foreign, stray] = await Promise.all([
      attachGuest(tb, { suffix: 'foreign', hostNetns: sw, bridge: 'swbr', hostIfname: 'swforeign', mac: '52:54:00:70:00:99' }),
      attachGuest(tb, { suffix: 'stray', hostNetns: h0.netns, bridge, hostIfname: 'tpstray', mac: '52:54:00:70:00:98' }),
    ]);
    const [lf, ls] = await Promise.all([lease(tb, foreign, script, 3), lease(tb, stray, script, 3)]);
    assert.equal(lf, undefined, 'no lease for an unknown MAC on the physical network');
    assert.equal(ls, undefined, 'no lease for an unknown MAC on the host bridge');
    await tb.run(['ip', '-n', h0.netns, 'link', 'del', 'tpstray']);
  });

  await t.test('drift is repaired by one resync: nft table, dnsmasq, the leg, the whole namespace', async () => {
    await tb.run(['ip', 'netns', 'exec', serverNs, 'nft', 'delete', 'table', 'ip', 'kumo_dhcp_server']);
    assert.equal(await metadata(gs0, undefined, 1000), 'TIMEOUT', 'without the redirect nothing answers');
    const nft = await a0.resync();
    assert.ok(changed(nft, 'dhcp-server-nft', 'repaired'), JSON.stringify(nft.changes));
    assert.equal(await metadata(gs0), '200 i-s0');
    assertConverged(await a0.resync(), 'after the nft repair');

    const before = (await daemons()).dnsmasq!;
    process.kill(before, 'SIGKILL');
    await waitFor(async () => (await daemons()).dnsmasq === undefined, { timeoutMs: 5000, what: 'dnsmasq to die' });
    const dns = await a0.resync();
    assert.ok(changed(dns, 'dnsmasq', 'repaired'), JSON.stringify(dns.changes));
    assert.notEqual((await daemons()).dnsmasq, before);
    assert.equal((await lease(tb, gs1, script))?.ip, SHARED_GUESTS.s1.ip);
    assertConverged(await a0.resync(), 'after the dnsmasq repair');

    await tb.run(['ip', '-n', h0.netns, 'link', 'del', serverLeg]);
    assert.equal(await pings(tb, gs1, SHARED.serverIp), false);
    const leg = await a0.resync();
    assert.ok(changed(leg, 'dhcp-server-link', 'repaired') && changed(leg, 'dhcp-server-address', 'repaired'), JSON.stringify(leg.changes));
    await waitFor(() => pings(tb, gs1, SHARED.serverIp), { timeoutMs: 10_000, what: 's1 -> server after the leg repair' });
    assertConverged(await a0.resync(), 'after the leg repair');

    const old = await daemons();
    await tb.run(['ip', 'netns', 'del', serverNs]);
    const ns = await a0.resync();
    assert.deepEqual(ns.errors, []);
    for (const kind of ['dhcp-server', 'dhcp-server-nft', 'dhcp-server-link', 'dnsmasq', 'metadata']) assert.ok(changed(ns, kind, 'repaired'), `${kind}: ${JSON.stringify(ns.changes)}`);
    for (const pid of Object.values(old)) assert.ok(gone(pid), `old daemon ${String(pid)} stopped`);
    assert.equal(await metadata(gs1), '200 i-s1');
    assert.equal((await lease(tb, gs0, script))?.ip, SHARED_GUESTS.s0.ip);
    assertConverged(await a0.resync(), 'after rebuilding the server');
  });

  await t.test('a restarted agent adopts the running server and changes nothing', async () => {
    const before = await daemons();
    await a0.close();
    a0 = newAgent(0);
    assertConverged(await a0.resync(), 'first resync after restart');
    assert.deepEqual(await daemons(), before);
  });

  await t.test('a new guest in the spec: dnsmasq is restarted with its lease, the metadata service knows it', async () => {
    const before = await daemons();
    const [r0, r1] = await applyBoth({ withS2: true });
    assert.deepEqual([...r0.errors, ...r1.errors], []);
    assert.ok(changed(r0, 'dnsmasq', 'updated') && changed(r1, 'security-groups', 'updated'), JSON.stringify([r0.changes, r1.changes]));
    assert.deepEqual((await daemons()).metadata, before.metadata, 'the metadata service re-reads its table by itself');
    const gs2 = await attachGuest(tb, { suffix: 'gs2', hostNetns: h1.netns, bridge, hostIfname: SHARED_GUESTS.s2.tap, mac: SHARED_GUESTS.s2.mac });
    assert.equal((await lease(tb, gs2, script))?.ip, SHARED_GUESTS.s2.ip);
    assert.equal(await metadata(gs2), '200 i-s2');
    assertConverged(await a0.resync(), 'after the update');
  });

  await t.test('a server removed from the spec is torn down; the network stays; an empty spec leaves nothing', async () => {
    const pids = await daemons();
    const [r0] = await applyBoth({ withoutServer: true, withS2: true });
    assert.deepEqual(r0.errors, []);
    assert.ok(changed(r0, 'dhcp-server', 'removed'), JSON.stringify(r0.changes));
    // The leg goes with the namespace (or, if the kernel is slower, is deleted as an owned link).
    assert.ok(r0.changes.every((c) => c.action === 'removed' && (c.kind === 'dhcp-server' || c.id === serverLeg)), JSON.stringify(r0.changes));
    assert.ok(!(await tb.run(['ip', 'netns', 'list'])).stdout.includes(serverNs));
    assert.equal((await tb.run(['ip', '-n', h0.netns, 'link', 'show', serverLeg], { allowFailure: true })).code === 0, false, 'the leg is gone');
    for (const pid of Object.values(pids)) assert.ok(gone(pid), `daemon ${String(pid)} stopped`);
    assert.deepEqual(readdirSync(join(stateDir(0), 'dhcp-servers')), []);
    assert.deepEqual((await a0.observe()).dhcpServers, []);
    assert.ok(await pings(tb, gs0, SHARED_GUESTS.s1.ip), 'the shared network itself is untouched');
    assertConverged(await a0.resync(), 'after the removal');

    generation++;
    for (const [i, a] of [a0, a1].entries()) {
      const r = await a.apply({ version: 1, hostId: `host-${i}`, generation, networks: [], nics: [], securityGroups: [], routers: [], dhcpServers: [] });
      assert.deepEqual(r.errors, []);
      const links = (await tb.exec(i, ['ip', '-o', 'link', 'show'])).stdout;
      const names = [...links.matchAll(/^\d+: ([^:@\s]+)/gm)].map((m) => m[1]!);
      assert.deepEqual(names.filter(isOwnedLinkName), [], `host ${i}: no agent links left`);
      assert.ok(names.includes(SHARED.physicalDevice), `host ${i}: the physical device stays`);
      assert.doesNotMatch((await tb.exec(i, ['nft', 'list', 'tables'])).stdout, /kumo_sg/);
      assert.deepEqual((await tb.run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => isOwnedNetnsName(n, prefix(i))), []);
    }
  });
});
