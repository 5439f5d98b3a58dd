import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { KumoClient, type Operation } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { buildServer, createJoinToken, seedDefaultCloud, type KumoServer } from '@kumo/server';
import { ensureTinyImage } from '@kumo/kumo/tiny-image';
import { shortNameId } from '@kumo/netcfg';
import { createTestbed, type Testbed, type TestbedProcess } from '@kumo/netcfg/testbed';
import { eventually } from '../testing/test-cloud.ts';
import { typeIntoConsole } from '../testing/console-typing.ts';
import { killLeftoverGuests, pidsMentioning } from '../testing/qemu-cleanup.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const cacheDir = join(process.env.KUMO_TEST_CACHE_DIR ?? '/var/tmp/kumo-test-cache', 'tiny');
/** The agents re-apply their last network spec this often (drift repair). */
const NETWORK_RESYNC_SEC = 5;
type PublicIp = { id: string; address: string; networkId: string | null; sourceNat: boolean };
/** The public web server's CGI answer for a client whose source address is `address` (busybox httpd prints IPv4 as mapped IPv6). */
const cameFrom = (address: string) => new RegExp(`FROM=(?:\\[::ffff:)?${address.replace(/\./g, '\\.')}\\b`);

/** Real guests on an isolated VXLAN network across two namespace hosts, served by a router namespace. */
describe('guest networking with real QEMU guests', { timeout: 300_000 }, () => {
  let bed: Testbed; let server: KumoServer; let client: KumoClient; let url = ''; let work = '';
  const agents: TestbedProcess[] = [];
  const created: string[] = [];
  let closeDb: () => Promise<void> = async () => undefined;
  let zoneId = ''; let offeringId = ''; let imageId = ''; let networkId = '';
  let guestA = ''; let guestB = ''; let otherNetworkId = ''; let guestIps: string[] = [];
  let sharedNetworkId = '';
  /** The "internet": a namespace on the router host's public bridge at the range's gateway, with a web server. */
  let pub = ''; let routerHost = 0;
  const fetchFromPublic = (address: string, path = '/') => bed.execIn(pub, ['busybox', 'wget', '-q', '-O', '-', `http://${address}${path}`], { timeoutMs: 4000, allowFailure: true })
    .then((r) => r.stdout, () => '');
  const nicOf = async (instanceId: string) => (await client.request<{ items: Array<{ id: string; ip: string }> }>('GET', `/api/v1/instances/${instanceId}/nics`)).items[0]!;

  const consoleLog = (id: string) => client.requestText('GET', `/api/v1/instances/${id}/console/log`);
  const typeInto = (id: string, text: string, expect: RegExp, timeoutMs = 30_000) => typeIntoConsole(client, url, id, text, expect, timeoutMs);

  before(async () => {
    work = mkdtempSync('/var/tmp/kumo-net-e2e-');
    bed = await createTestbed({ name: 'net-e2e', hosts: 2 });
    for (let i = 0; i < 2; i++) {
      await bed.exec(i, ['ip', 'link', 'add', 'kpub', 'type', 'bridge']);
      await bed.exec(i, ['ip', 'link', 'set', 'kpub', 'up']);
    }
    const database = await openDatabase({ dataDir: join(work, 'server') });
    closeDb = () => database.close();
    server = await buildServer({ database, dataDir: join(work, 'server'), logLevel: 'warn', controller: { heartbeatIntervalMs: 2000 } });
    await server.app.listen({ host: bed.serverIp, port: 0 });
    url = `http://${bed.serverIp}:${(server.app.server.address() as AddressInfo).port}`;
    await server.ctx.auth.bootstrapAdmin('net-test-password');
    client = new KumoClient({ baseUrl: url });
    client.setToken((await server.ctx.auth.login('admin', 'net-test-password')).token);
    const cloud = await seedDefaultCloud(server.ctx, 'qemu');
    zoneId = cloud.zoneId; offeringId = cloud.offeringIds.small!;
    const joinToken = (await createJoinToken(server.ctx, cloud.clusterId)).token;
    await server.start();
    imageId = await ensureTinyImage(client, work, () => undefined, cacheDir);
    for (let i = 0; i < 2; i++) {
      agents.push(bed.spawn(i, [process.execPath, '--import', 'tsx', join(repoRoot, 'packages/kumo/src/main.ts'), '--server', url, '--token', joinToken, 'agent',
        '--driver', 'qemu', '--name', `nh${i}`, '--address', bed.hosts[i]!.underlayIp, '--state-dir', join(work, `host${i}`),
        '--network-resync', String(NETWORK_RESYNC_SEC),
        // Both agents see this machine's one /run/netns: each must own only its own routers' namespaces.
        '--netns-prefix', `kn${i}r-`]));
    }
    await eventually(async () => (await client.listAll<{ state: string }>('hosts')).filter((h) => h.state === 'up').length === 2, 'both hosts up', 60_000)
      .catch((e: unknown) => { throw new Error(`${String(e)}\n${agents.map((a) => a.output()).join('\n')}`); });
    // The zone's physical networks: guests over VXLAN on the underlay, routers' public side on a local bridge.
    await client.create('physical-networks', { zoneId, name: 'guest', trafficTypes: ['guest'], device: bed.hosts[0]!.underlayDevice, vniRange: { start: 5000, end: 5100 } });
    await client.create('physical-networks', { zoneId, name: 'public', trafficTypes: ['public'], device: 'kpub', deviceKind: 'bridge' });
    await client.create('public-ip-ranges', { zoneId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.20' });
    networkId = (await client.create<{ id: string }>('networks', { name: 'app', zoneId, cidr: '10.60.0.0/24' })).id;
  });

  after(async () => {
    for (const id of created) await client.request('DELETE', `/api/v1/instances/${id}`, { query: { wait: true, waitTimeoutSec: 60 } }).catch(() => undefined);
    for (const n of [networkId, otherNetworkId, sharedNetworkId]) if (n) await client.delete('networks', n).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1500)); // let the agents tear the router down
    for (const a of agents) a.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.exited));
    await server?.close();
    await closeDb();
    // Anything an agent left (router namespaces, daemons) is swept: names and command lines say whose.
    for (const pid of pidsMentioning(work)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    try {
      for (const ns of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '')) {
        if (/^kn[01]r-[0-9a-z]{10}$/.test(ns)) execFileSync('ip', ['netns', 'del', ns]);
      }
    } catch { /* none */ }
    await bed?.destroy();
    killLeftoverGuests(work, created);
    rmSync(work, { recursive: true, force: true });
  });

  test('two guests on one isolated network on two hosts get DHCP leases, reach each other across VXLAN and read their metadata', async () => {
    const group = await client.create<{ id: string }>('affinity-groups', { name: 'apart', policy: 'anti-affinity' });
    const ops = await Promise.all(['na', 'nb'].map((name) => client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true, waitTimeoutSec: 240 },
      body: { name, zoneId, imageId, offeringId, affinityGroupIds: [group.id], nics: [{ networkId }] },
    })));
    for (const op of ops) { created.push(op.resourceId); assert.equal(op.status, 'succeeded', op.message); }
    const [a, b] = ops.map((o) => o.resourceId) as [string, string];
    const ips: string[] = [];
    for (const id of [a, b]) {
      const m = await eventually(async () => /KUMO-NET-UP eth0 (10\.60\.0\.\d+)/.exec(await consoleLog(id)), `DHCP lease in ${id}`, 90_000);
      ips.push(m[1]!);
    }
    const nics = await client.request<{ items: Array<{ ip: string }> }>('GET', `/api/v1/instances/${a}/nics`);
    assert.equal(ips[0], nics.items[0]!.ip, 'the lease is the address the database allocated');
    const ping = await typeInto(a, `ping -c 3 -W 2 ${ips[1]}`, /(\d) packets received/, 40_000);
    assert.ok(Number(ping[1]) >= 2, `ping across VXLAN: ${ping[0]}`);
    await eventually(async () => (await consoleLog(a)).includes(`KUMO-INSTANCE-ID=${a}`), 'instance id from 169.254.169.254', 60_000);
    guestA = a; guestB = b; guestIps = ips;

  });

  test('SNAT out, and a port forward in, blocked by the security group until a rule allows it', async () => {
    assert.ok(guestA, 'needs the guests of the first test');
    const router = (await client.listAll<{ id: string; networkId: string; hostId: string }>('routers')).find((r) => r.networkId === networkId)!;
    routerHost = (await client.get<{ name: string }>('hosts', router.hostId)).name === 'nh0' ? 0 : 1;
    // A "public" namespace at the range's gateway address: the internet, with a web server.
    // It switches both hosts' public bridges together: routers may live on either host.
    pub = await bed.createNamespace('pub');
    await bed.execIn(pub, ['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    await bed.execIn(pub, ['ip', 'addr', 'add', '203.0.113.1/24', 'dev', 'br0']);
    await bed.execIn(pub, ['ip', 'link', 'set', 'br0', 'up']);
    for (let i = 0; i < 2; i++) {
      await bed.exec(i, ['ip', 'link', 'add', 'kpv0', 'type', 'veth', 'peer', 'name', `pv${i}`]);
      await bed.exec(i, ['ip', 'link', 'set', `pv${i}`, 'netns', pub]);
      await bed.exec(i, ['ip', 'link', 'set', 'kpv0', 'master', 'kpub', 'up']);
      await bed.execIn(pub, ['ip', 'link', 'set', `pv${i}`, 'master', 'br0', 'up']);
    }
    const www = join(work, 'www');
    mkdirSync(join(www, 'cgi-bin'), { recursive: true });
    writeFileSync(join(www, 'index.html'), 'public-ok\n');
    // Tells a client the address it came from: which NAT rewrote its source.
    writeFileSync(join(www, 'cgi-bin', 'from'), '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nFROM=%s\\n" "$REMOTE_ADDR"\n', { mode: 0o755 });
    bed.spawnIn(pub, ['busybox', 'httpd', '-f', '-p', '80', '-h', www]);

    // SNAT: the public namespace has no route to 10.60.0.0/24, so an answer proves the source was rewritten.
    await typeInto(guestA, 'wget -q -O - http://203.0.113.1/', /public-ok/, 30_000);

    const sourceNat = (await client.listAll<PublicIp>('public-ips')).find((p) => p.networkId === networkId && p.sourceNat)!;
    await typeInto(guestA, 'wget -q -O - http://203.0.113.1/cgi-bin/from', cameFrom(sourceNat.address), 30_000);
    const nicA = await nicOf(guestA);
    await client.create('port-forwards', { publicIpId: sourceNat.id, protocol: 'tcp', publicPorts: { from: 8080, to: 8080 }, nicId: nicA.id, privatePorts: { from: 80, to: 80 } });
    await client.create('firewall-rules', { publicIpId: sourceNat.id, protocol: 'tcp', ports: { from: 8080, to: 8080 }, sourceCidrs: ['0.0.0.0/0'] });
    await new Promise((r) => setTimeout(r, 3000)); // the spec reaches the router host
    assert.doesNotMatch(await fetchFromPublic(`${sourceNat.address}:8080`), /na/, 'the default security group admits only its own members');
    const sg = (await client.listAll<{ id: string; name: string }>('security-groups')).find((g) => g.name === 'default')!;
    await client.request('POST', `/api/v1/security-groups/${sg.id}/rules`, { body: { direction: 'ingress', protocol: 'tcp', ports: { from: 80, to: 80 }, cidr: '0.0.0.0/0' } });
    const page = await eventually(async () => { const t = await fetchFromPublic(`${sourceNat.address}:8080`); return /na/.test(t) ? t : null; }, 'port forward through the security group', 30_000);
    assert.match(page, /na/, 'the guest\'s own page (its hostname) came back');

  });

  test('static NAT (in and out) and a two-member load balancer, reached from the public side', async () => {
    assert.ok(pub && guestB, 'needs the guests and the public namespace of the tests before');
    const [nicA, nicB] = [await nicOf(guestA), await nicOf(guestB)];
    const allowWeb = (publicIpId: string) => client.create('firewall-rules', { publicIpId, protocol: 'tcp', ports: { from: 80, to: 80 }, sourceCidrs: ['0.0.0.0/0'] });

    const eip = await client.create<PublicIp>('public-ips', { networkId });
    await client.request('POST', `/api/v1/public-ips/${eip.id}/static-nat`, { body: { nicId: nicB.id } });
    await allowWeb(eip.id);
    const viaEip = await eventually(async () => (await fetchFromPublic(eip.address, '/hostname')).trim() || null, 'the guest behind the elastic IP answers', 30_000);
    assert.equal(viaEip, 'nb', 'the elastic IP leads to the guest it is associated with');
    await typeInto(guestB, 'wget -q -O - http://203.0.113.1/cgi-bin/from', cameFrom(eip.address), 30_000);

    const vip = await client.create<PublicIp>('public-ips', { networkId });
    await client.create('load-balancers', { name: 'web', publicIpId: vip.id, publicPort: 80, privatePort: 80, algorithm: 'roundrobin', nicIds: [nicA.id, nicB.id] });
    await allowWeb(vip.id);
    await eventually(async () => (await fetchFromPublic(vip.address, '/hostname')).trim() || null, 'the load balancer answers', 30_000);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push((await fetchFromPublic(vip.address, '/hostname')).trim());
    assert.deepEqual([...new Set(seen)].sort(), ['na', 'nb'], `round robin over both members: ${seen.join(' ')}`);
  });

  test('deleting the router\'s nft table by hand is repaired within one resync, and the port forward works again', async (t) => {
    assert.ok(pub, 'needs the port forward of the SNAT test');
    const router = (await client.listAll<{ id: string; networkId: string }>('routers')).find((r) => r.networkId === networkId)!;
    // The router namespace is named inside the agent's mount namespace; its dnsmasq's network namespace is the router's.
    const pid = readFileSync(join(work, `host${routerHost}`, 'network', 'routers', shortNameId(router.id), 'dnsmasq.pid'), 'utf8').trim();
    const inRouter = (argv: string[]) => execFileSync('nsenter', [`--net=/proc/${pid}/ns/net`, ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const table = () => { try { return inRouter(['nft', 'list', 'table', 'ip', 'kumo_router']); } catch { return ''; } };
    assert.match(table(), /dport 8080/, 'the port forward is in the router\'s table');
    inRouter(['nft', 'delete', 'table', 'ip', 'kumo_router']);
    const deletedAt = Date.now();
    assert.equal(table(), '', 'the table is gone');
    await eventually(async () => /dport 8080/.test(table()), 'the table is back', (2 * NETWORK_RESYNC_SEC + 5) * 1000)
      .catch((e: unknown) => { throw new Error(`${String(e)}\nagent output:\n${agents[routerHost]!.output().slice(-3000)}`); });
    t.diagnostic(`router nft table repaired ${Date.now() - deletedAt} ms after deletion (agents re-apply every ${NETWORK_RESYNC_SEC} s)`);
    const sourceNat = (await client.listAll<PublicIp>('public-ips')).find((p) => p.networkId === networkId && p.sourceNat)!;
    await eventually(async () => /na/.test(await fetchFromPublic(`${sourceNat.address}:8080`)), 'the port forward after the repair', 20_000);
  });

  test('a guest on another network of the same account reaches neither of them', async () => {
    assert.equal(guestIps.length, 2, 'needs the guests of the first test');
    // A guest on another network of the same account reaches neither of them.
    const other = await client.create<{ id: string }>('networks', { name: 'other', zoneId, cidr: '10.61.0.0/24' });
    otherNetworkId = other.id;
    const opC = await client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true, waitTimeoutSec: 240 }, body: { name: 'nc', zoneId, imageId, offeringId, nics: [{ networkId: other.id }] },
    });
    created.push(opC.resourceId);
    assert.equal(opC.status, 'succeeded', opC.message);
    await eventually(async () => /KUMO-NET-UP eth0 10\.61\.0\.\d+/.exec(await consoleLog(opC.resourceId)), 'DHCP lease on the other network', 90_000);
    // (the marker is typed as DO''NE so that the echoed command line does not match it)
    await typeInto(opC.resourceId, `ping -c 2 -W 1 ${guestIps[0]}; ping -c 2 -W 1 ${guestIps[1]}; echo DO''NE`, /DONE/, 30_000);
    const log = await consoleLog(opC.resourceId);
    assert.doesNotMatch(log, /[12] packets received/, 'no packet from the other network came back');
    assert.match(log, /0 packets received/);

    // Metadata: its own instance id from its own router; a request forged with the first guest's
    // address gets nothing (anti-spoofing drops it at the tap, and its router does not know that address).
    await eventually(async () => (await consoleLog(opC.resourceId)).includes(`KUMO-INSTANCE-ID=${opC.resourceId}`), 'its own instance id', 60_000);
    const forged = await typeInto(opC.resourceId, [
      `ip addr add ${guestIps[0]}/32 dev eth0`, `ip route replace 169.254.169.254 via 10.61.0.1 src ${guestIps[0]}`,
      'timeout 8 wget -q -O - http://169.254.169.254/latest/meta-data/instance-id; echo FORGED-RC=$?',
      'ip route del 169.254.169.254', `ip addr del ${guestIps[0]}/32 dev eth0`,
    ].join('; '), /FORGED-RC=(\d+)/, 30_000);
    assert.notEqual(forged[1], '0', 'the forged request got no answer');
    assert.ok(!(await consoleLog(opC.resourceId)).includes(guestA), 'the first guest\'s instance id never reached the other network');

    // The first network still has its own source NAT with a second router on the same public bridge.
    const sourceNat = (await client.listAll<PublicIp>('public-ips')).find((p) => p.networkId === networkId && p.sourceNat)!;
    await typeInto(guestA, 'wget -q -O - http://203.0.113.1/cgi-bin/from', cameFrom(sourceNat.address), 30_000);
    const otherNat = (await client.listAll<PublicIp>('public-ips')).find((p) => p.networkId === other.id && p.sourceNat)!;
    await typeInto(opC.resourceId, 'wget -q -O - http://203.0.113.1/cgi-bin/from', cameFrom(otherNat.address), 30_000);
  });

  test('a shared (flat) network: Kumo\'s DHCP server hands out leases and metadata; guests on two hosts reach each other and the LAN\'s router', async () => {
    // The LAN: a switch namespace with the physical router's address, a port on each host.
    const lan = await bed.createNamespace('lan');
    await bed.execIn(lan, ['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    await bed.execIn(lan, ['ip', 'addr', 'add', '10.70.0.1/24', 'dev', 'br0']);
    await bed.execIn(lan, ['ip', 'link', 'set', 'br0', 'up']);
    for (let i = 0; i < 2; i++) {
      await bed.exec(i, ['ip', 'link', 'add', 'klan', 'type', 'veth', 'peer', 'name', `lan${i}`]);
      await bed.exec(i, ['ip', 'link', 'set', `lan${i}`, 'netns', lan]);
      await bed.execIn(lan, ['ip', 'link', 'set', `lan${i}`, 'master', 'br0', 'up']);
      await bed.exec(i, ['ip', 'link', 'set', 'klan', 'up']);
    }
    const phys = await client.create<{ id: string }>('physical-networks', { zoneId, name: 'lan', trafficTypes: ['guest'], device: 'klan' });
    const shared = await client.create<{ id: string; dhcpServerIp: string }>('networks', {
      name: 'lan', zoneId, kind: 'shared', cidr: '10.70.0.0/24', gateway: '10.70.0.1', ipRange: { start: '10.70.0.100', end: '10.70.0.120' }, physicalNetworkId: phys.id,
    });
    sharedNetworkId = shared.id;
    assert.equal(shared.dhcpServerIp, '10.70.0.120');
    const group = await client.create<{ id: string }>('affinity-groups', { name: 'apart-lan', policy: 'anti-affinity' });
    const ops = await Promise.all(['sa', 'sb'].map((name) => client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true, waitTimeoutSec: 240 }, body: { name, zoneId, imageId, offeringId, affinityGroupIds: [group.id], nics: [{ networkId: shared.id }] },
    })));
    for (const op of ops) { created.push(op.resourceId); assert.equal(op.status, 'succeeded', op.message); }
    const [a, b] = ops.map((o) => o.resourceId) as [string, string];
    const ips: string[] = [];
    for (const id of [a, b]) {
      const m = await eventually(async () => /KUMO-NET-UP eth0 (10\.70\.0\.\d+)/.exec(await consoleLog(id)), `DHCP lease on the shared network in ${id}`, 90_000);
      assert.equal(m[1], (await nicOf(id)).ip, 'the lease is the address the database allocated');
      ips.push(m[1]!);
      await eventually(async () => (await consoleLog(id)).includes(`KUMO-INSTANCE-ID=${id}`), `instance id from 169.254.169.254 in ${id}`, 60_000);
    }
    const ping = await typeInto(a, `ping -c 3 -W 2 ${ips[1]}`, /(\d) packets received/, 40_000);
    assert.ok(Number(ping[1]) >= 2, `ping between hosts on the shared network: ${ping[0]}`);
    const gw = await typeInto(a, 'ping -c 2 -W 2 10.70.0.1', /(\d) packets received/, 30_000);
    assert.ok(Number(gw[1]) >= 1, `the LAN's router answers: ${gw[0]}`);
  });

  test('a NoCloud config drive carries the instance id and runs the user-data script in a guest without network', async () => {
    const op = await client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true, waitTimeoutSec: 240 },
      body: { name: 'cd', zoneId, imageId, offeringId, nics: [], configDrive: true, userData: '#!/bin/sh\necho "user-data says $((6 * 7))"\n' },
    });
    created.push(op.resourceId);
    assert.equal(op.status, 'succeeded', op.message);
    const inst = await client.get<{ configDrive: boolean }>('instances', op.resourceId);
    assert.equal(inst.configDrive, true);
    await eventually(async () => (await consoleLog(op.resourceId)).includes(`KUMO-CONFIG-DRIVE instance-id=${op.resourceId}`), 'the instance id from the config drive', 60_000);
    await eventually(async () => (await consoleLog(op.resourceId)).includes('user-data says 42'), 'the user-data script ran', 30_000);
    assert.doesNotMatch(await consoleLog(op.resourceId), /KUMO-NET-UP/, 'no NIC, no lease');
  });
});
