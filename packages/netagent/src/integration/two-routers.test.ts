// Two virtual routers on one host whose public sides are veths into the same host
// bridge, with SNAT addresses in the same public /24: each network's traffic must
// leave with its own address and each port forward must reach its own guest, in
// both orders of creation and after re-applies. Needs root and the Debian packages
// nftables dnsmasq-base busybox-static.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { attachGuest, createTestbed, waitFor, type Testbed } from '@kumo/netcfg/testbed';
import type { ApplyReport } from '../apply-report.ts';
import { HostNetworkAgent } from '../host-network-agent.ts';
import type { HostNetworkSpec, NetworkSpec, NicNetworkSpec, RouterSpec } from '../host-network-spec.ts';
import { networkBridgeName, routerNetnsName } from '../network-names.ts';
import { dhcpLease, http, REMOTE_ADDR_CGI, startHttpd, writeUdhcpcScript } from './guest-fixture.ts';

const PUBLIC_BRIDGE = 'kpub';

interface Net {
  id: string;
  vni: number;
  /** Third octet of 10.60.X.0/24. */
  octet: number;
  snat: string;
  /** The public side's gateway: the "pub" namespace, on the same /24 as snat. */
  gateway: string;
  guestMac: string;
}

const NETS: Record<'a' | 'b' | 'c', Net> = {
  a: { id: 'net-a', vni: 4200, octet: 60, snat: '203.0.113.10', gateway: '203.0.113.1', guestMac: '52:54:00:60:00:10' },
  b: { id: 'net-b', vni: 4201, octet: 61, snat: '203.0.113.11', gateway: '203.0.113.1', guestMac: '52:54:00:61:00:10' },
  c: { id: 'net-c', vni: 4202, octet: 62, snat: '198.51.100.10', gateway: '198.51.100.1', guestMac: '52:54:00:62:00:10' },
};

const guestIp = (n: Net): string => `10.${n.octet}.0.10`;
const routerIp = (n: Net): string => `10.${n.octet}.0.1`;
const cidr = (n: Net): string => `10.${n.octet}.0.0/24`;
const tapOf = (n: Net): string => `tp${n.id.slice(-1)}0`;

function networkSpec(n: Net, underlayIp: string): NetworkSpec {
  return {
    networkId: n.id, kind: 'isolated', bridge: networkBridgeName(n.id), mtu: 1450,
    segment: { type: 'vxlan', vni: n.vni, underlay: { device: 'eth0', localIp: underlayIp }, peers: [] },
  };
}

function nicSpec(n: Net): NicNetworkSpec {
  return {
    instanceId: `i-${n.id}`, nicId: `nic-${n.id}`, networkId: n.id, tap: tapOf(n), mac: n.guestMac,
    ips: [guestIp(n)], securityGroupIds: ['sg-open'], dnsServers: [routerIp(n)],
  };
}

function routerSpec(n: Net): RouterSpec {
  return {
    routerId: `rtr-${n.id}`, networkId: n.id,
    guest: { ip: routerIp(n), cidr: cidr(n) },
    public: { ips: [`${n.snat}/24`], gateway: n.gateway, attach: { bridge: PUBLIC_BRIDGE } },
    nat: {
      sourceNatIp: n.snat,
      portForwards: [{ id: `pf-${n.id}`, publicIp: n.snat, protocol: 'tcp', publicPorts: { from: 8080, to: 8080 }, privateIp: guestIp(n), privatePorts: { from: 80, to: 80 } }],
      firewallRules: [{ id: `fw-${n.id}`, publicIp: n.snat, protocol: 'tcp', ports: { from: 8080, to: 8080 }, sourceCidrs: ['0.0.0.0/0'] }],
    },
    dhcp: { domain: 'cloud.internal', hosts: [{ mac: n.guestMac, ip: guestIp(n), hostname: `vm-${n.id}` }] },
    loadBalancers: [],
    metadata: { instances: [{ instanceId: `i-${n.id}`, ip: guestIp(n), hostname: `vm-${n.id}` }] },
  };
}

function hostSpec(hostId: string, generation: number, underlayIp: string, nets: Net[]): HostNetworkSpec {
  return {
    version: 1, hostId, generation,
    networks: nets.map((n) => networkSpec(n, underlayIp)),
    nics: nets.map(nicSpec),
    securityGroups: [{
      id: 'sg-open',
      ingress: [{ protocol: 'tcp', ports: { from: 80, to: 80 }, cidr: '0.0.0.0/0' }, { protocol: 'icmp', cidr: '0.0.0.0/0' }],
      egress: [{ protocol: 'all', cidr: '0.0.0.0/0' }],
      memberIps: nets.map(guestIp),
    }],
    routers: nets.map(routerSpec),
    dhcpServers: [],
  };
}

function assertOk(report: ApplyReport, what: string): void {
  assert.deepEqual(report.errors, [], `${what}: errors`);
}

/**
 * The internet: namespace "pub" with a web server that answers with the client's
 * address, and on each testbed host a bridge kpub with a veth into "pub", whose end
 * there carries that host's public gateway address (host i: `gateways[i]`/24).
 */
async function createInternet(tb: Testbed, gateways: readonly string[]): Promise<string> {
  const pub = await tb.createNamespace('pub');
  for (const [i, gateway] of gateways.entries()) {
    const host = tb.hosts[i]!.netns;
    await tb.run(['ip', '-n', host, 'link', 'add', PUBLIC_BRIDGE, 'type', 'bridge']);
    await tb.run(['ip', '-n', host, 'link', 'set', PUBLIC_BRIDGE, 'up']);
    await tb.run(['ip', 'link', 'add', 'kpv0', 'netns', host, 'type', 'veth', 'peer', 'name', `eth${i}`, 'netns', pub]);
    await tb.run(['ip', '-n', host, 'link', 'set', 'kpv0', 'master', PUBLIC_BRIDGE, 'up']);
    await tb.run(['ip', '-n', pub, 'addr', 'add', `${gateway}/24`, 'dev', `eth${i}`]);
    await tb.run(['ip', '-n', pub, 'link', 'set', `eth${i}`, 'up']);
  }
  await startHttpd(tb, pub, 80, { 'index.html': 'internet\n', 'cgi-bin/ip': REMOTE_ADDR_CGI });
  return pub;
}

/** Veth guests (one per network, serving "hello from <network>") and the checks of SNAT and port forwards. */
class Guests {
  private readonly netns = new Map<Net, string>();
  private readonly script: string;

  constructor(private readonly tb: Testbed, private readonly pub: string) {
    this.script = writeUdhcpcScript(tb.tempDir);
  }

  /** Attaches the network's guest on `host` (once) and renews its DHCP lease from the router. */
  async ensure(n: Net, host: number): Promise<void> {
    let g = this.netns.get(n);
    if (g === undefined) {
      g = await attachGuest(this.tb, { suffix: `g${n.id.slice(-1)}`, hostNetns: this.tb.hosts[host]!.netns, bridge: networkBridgeName(n.id), hostIfname: tapOf(n), mac: n.guestMac, mtu: 1450 });
      this.netns.set(n, g);
      await startHttpd(this.tb, g, 80, { 'index.html': `hello from ${n.id}` });
    }
    assert.equal(await dhcpLease(this.tb, g, this.script), guestIp(n));
  }

  /** Each network's guest reaches "pub" from its own SNAT address, and its port forward reaches it. */
  async check(nets: Net[], what: string): Promise<void> {
    for (const n of nets) {
      const g = this.netns.get(n)!;
      assert.match(await http(this.tb, g, `http://${n.gateway}/cgi-bin/ip`, { timeoutMs: 3000 }), new RegExp(`^200 \\[?(::ffff:)?${n.snat.replaceAll('.', '\\.')}\\]?$`), `${what}: SNAT of ${n.id}`);
      assert.equal(await http(this.tb, this.pub, `http://${n.snat}:8080/`, { timeoutMs: 3000 }), `200 hello from ${n.id}`, `${what}: port forward of ${n.id}`);
    }
  }
}

test('two routers with their public sides on one host bridge keep their own SNAT and port forwards', async (t) => {
  const tb = await createTestbed({ name: 'two-routers', hosts: 1 });
  const agents: HostNetworkAgent[] = [];
  t.after(async () => {
    for (const a of agents) await a.close();
    await tb.destroy();
  });
  const host = tb.hosts[0]!;
  const agent = new HostNetworkAgent({ stateDir: join(tb.tempDir, 'agent'), hostNetns: host.netns, routerNetnsPrefix: `${tb.id}-r-` });
  agents.push(agent);
  let generation = 0;
  const apply = async (nets: Net[], what: string): Promise<ApplyReport> => {
    const r = await agent.apply(hostSpec('host-0', ++generation, host.underlayIp, nets));
    assertOk(r, what);
    return r;
  };
  const pub = await createInternet(tb, [NETS.a.gateway]);
  const guests = new Guests(tb, pub);

  for (const [first, second] of [[NETS.a, NETS.b], [NETS.b, NETS.a]] as const) {
    const order = `${first.id} then ${second.id}`;
    await t.test(`${order}: the first router works alone`, async () => {
      await apply([first], `${order}: first`);
      await guests.ensure(first, 0);
      await guests.check([first], `${order}: alone`);
    });
    await t.test(`${order}: adding the second router keeps the first working`, async () => {
      await apply([first, second], `${order}: both`);
      await guests.check([first], `${order}: first after the second was created`);
      await guests.ensure(second, 0);
      await guests.check([first, second], `${order}: both`);
    });
    await t.test(`${order}: re-applies and resyncs keep both working`, async () => {
      await apply([first, second], `${order}: same spec`);
      assertOk(await agent.resync(), `${order}: resync`);
      await guests.check([first, second], `${order}: after re-apply`);
      await apply([second, first], `${order}: swapped`);
      await guests.check([first, second], `${order}: after swapping the spec order`);
    });
    await t.test(`${order}: removing everything`, async () => {
      await apply([], `${order}: empty`);
      await waitFor(async () => !(await http(tb, pub, `http://${first.snat}:8080/`, { timeoutMs: 500 })).startsWith('200'), { timeoutMs: 5000, what: 'the routers to go' });
    });
  }
});

// Hosts that share /run/netns (testbed "hosts" on one machine, as the QEMU end-to-end
// test runs them) with the same router namespace prefix see each other's router
// namespaces by name: an agent must not tear down a namespace it did not create.
test('agents of two hosts sharing /run/netns and a namespace prefix leave each other\'s routers alone', async (t) => {
  const tb = await createTestbed({ name: 'two-agents', hosts: 2 });
  const agents: HostNetworkAgent[] = [];
  t.after(async () => {
    for (const a of agents) await a.close();
    await tb.destroy();
  });
  const prefix = `${tb.id}-r-`; // one prefix for both agents, like the default "kr-" on real hosts
  const hostNets: [Net, Net] = [NETS.a, NETS.c];
  const generation = [0, 0];
  for (const i of [0, 1]) agents.push(new HostNetworkAgent({ stateDir: join(tb.tempDir, `agent-h${i}`), hostNetns: tb.hosts[i]!.netns, routerNetnsPrefix: prefix }));
  const apply = async (i: 0 | 1, what: string): Promise<void> => {
    const r = await agents[i]!.apply(hostSpec(`host-${i}`, ++generation[i]!, tb.hosts[i]!.underlayIp, [hostNets[i]]));
    assertOk(r, what);
    assert.deepEqual(r.changes.filter((c) => c.action === 'removed'), [], `${what}: nothing removed`);
  };
  const pub = await createInternet(tb, hostNets.map((n) => n.gateway));
  const guests = new Guests(tb, pub);

  await apply(0, 'host 0');
  await guests.ensure(NETS.a, 0);
  await guests.check([NETS.a], 'host 0 alone');
  await apply(1, 'host 1');
  await guests.check([NETS.a], 'router of host 0 after host 1 applied');
  await guests.ensure(NETS.c, 1);
  await apply(0, 'host 0 again');
  assertOk(await agents[1]!.resync(), 'host 1 resync');
  await guests.check([NETS.a, NETS.c], 'both after re-applies');
  assert.equal((await agents[0]!.observe()).routers.length, 1, 'host 0 observes only its own router');
  assert.equal((await agents[1]!.observe()).routers.length, 1, 'host 1 observes only its own router');

  // A router of host 0 whose state dir was lost is still recognised by its leg on host 0, and removed.
  rmSync(join(tb.tempDir, 'agent-h0', 'routers'), { recursive: true, force: true });
  const r = await agents[0]!.apply(hostSpec('host-0', ++generation[0]!, tb.hosts[0]!.underlayIp, []));
  assertOk(r, 'host 0 empty');
  assert.deepEqual(r.changes.filter((c) => c.kind === 'router' && c.action === 'removed').map((c) => c.id), [routerNetnsName(`rtr-${NETS.a.id}`, prefix)]);
  await guests.check([NETS.c], 'host 1 after host 0 removed its router');
});
