import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { KumoClient, type Operation } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { buildServer, createJoinToken, seedDefaultCloud, type KumoServer } from '@kumo/server';
import { ensureTinyImage } from '@kumo/kumo/tiny-image';
import { createTestbed, type Testbed, type TestbedProcess } from '@kumo/netcfg/testbed';
import { eventually } from '../testing/test-cloud.ts';
import { killLeftoverGuests, pidsMentioning } from '../testing/qemu-cleanup.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const cacheDir = join(process.env.KUMO_TEST_CACHE_DIR ?? '/var/tmp/kumo-test-cache', 'tiny');

/** Real guests on an isolated VXLAN network across two namespace hosts, served by a router namespace. */
describe('guest networking with real QEMU guests', { timeout: 300_000 }, () => {
  let bed: Testbed; let server: KumoServer; let client: KumoClient; let url = ''; let work = '';
  const agents: TestbedProcess[] = [];
  const created: string[] = [];
  let closeDb: () => Promise<void> = async () => undefined;
  let zoneId = ''; let offeringId = ''; let imageId = ''; let networkId = '';
  let guestA = ''; let otherNetworkId = ''; let guestIps: string[] = [];

  const consoleLog = (id: string) => client.requestText('GET', `/api/v1/instances/${id}/console/log`);
  const typeInto = async (id: string, text: string, expect: RegExp, timeoutMs = 30_000) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/instances/${id}/console`, { headers: { authorization: `Bearer ${client.tokenValue()}` } });
    let out = '';
    ws.on('message', (d: Buffer) => { out += d.toString(); });
    await new Promise<void>((res, rej) => { ws.once('open', () => res()); ws.once('error', rej); });
    ws.send(Buffer.from(`\r${text}\r`));
    try { return await eventually(async () => expect.exec(out), `console answer ${expect}`, timeoutMs); } finally { ws.close(); }
  };

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
        '--driver', 'qemu', '--name', `nh${i}`, '--address', bed.hosts[i]!.underlayIp, '--state-dir', join(work, `host${i}`)]));
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
    for (const n of [networkId, otherNetworkId]) if (n) await client.delete('networks', n).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1500)); // let the agents tear the router down
    for (const a of agents) a.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.exited));
    await server?.close();
    await closeDb();
    // Anything an agent left (router namespaces, daemons) is swept: names and command lines say whose.
    for (const pid of pidsMentioning(work)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    try {
      for (const ns of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '')) {
        if (/^kr-[0-9a-z]{10}$/.test(ns)) execFileSync('ip', ['netns', 'del', ns]);
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
    guestA = a; guestIps = ips;

  });

  test('SNAT out, and a port forward in, blocked by the security group until a rule allows it', async () => {
    assert.ok(guestA, 'needs the guests of the first test');
    const router = (await client.listAll<{ id: string; networkId: string; hostId: string }>('routers')).find((r) => r.networkId === networkId)!;
    const routerHost = (await client.get<{ name: string }>('hosts', router.hostId)).name === 'nh0' ? 0 : 1;
    // A "public" namespace on the router host's public bridge, at the range's gateway address.
    const pub = await bed.createNamespace('pub');
    await bed.exec(routerHost, ['ip', 'link', 'add', 'kpv0', 'type', 'veth', 'peer', 'name', 'pv0']);
    await bed.exec(routerHost, ['ip', 'link', 'set', 'pv0', 'netns', pub]);
    await bed.exec(routerHost, ['ip', 'link', 'set', 'kpv0', 'master', 'kpub', 'up']);
    await bed.execIn(pub, ['ip', 'addr', 'add', '203.0.113.1/24', 'dev', 'pv0']);
    await bed.execIn(pub, ['ip', 'link', 'set', 'pv0', 'up']);
    const www = join(work, 'www');
    execFileSync('mkdir', ['-p', www]);
    execFileSync('sh', ['-c', `echo public-ok > ${www}/index.html`]);
    bed.spawnIn(pub, ['busybox', 'httpd', '-f', '-p', '80', '-h', www]);

    // SNAT: the public namespace has no route to 10.60.0.0/24, so an answer proves the source was rewritten.
    await typeInto(guestA, 'wget -q -O - http://203.0.113.1/', /public-ok/, 30_000);

    const sourceNat = (await client.listAll<{ id: string; address: string; networkId: string | null; sourceNat: boolean }>('public-ips')).find((p) => p.networkId === networkId && p.sourceNat)!;
    const nicA = (await client.request<{ items: Array<{ id: string }> }>('GET', `/api/v1/instances/${guestA}/nics`)).items[0]!;
    await client.create('port-forwards', { publicIpId: sourceNat.id, protocol: 'tcp', publicPorts: { from: 8080, to: 8080 }, nicId: nicA.id, privatePorts: { from: 80, to: 80 } });
    await client.create('firewall-rules', { publicIpId: sourceNat.id, protocol: 'tcp', ports: { from: 8080, to: 8080 }, sourceCidrs: ['0.0.0.0/0'] });
    const fetchFromPublic = () => bed.execIn(pub, ['busybox', 'wget', '-q', '-O', '-', `http://${sourceNat.address}:8080/`], { timeoutMs: 4000, allowFailure: true })
      .then((r) => r.stdout, () => '');
    await new Promise((r) => setTimeout(r, 3000)); // the spec reaches the router host
    assert.doesNotMatch(await fetchFromPublic(), /na/, 'the default security group admits only its own members');
    const sg = (await client.listAll<{ id: string; name: string }>('security-groups')).find((g) => g.name === 'default')!;
    await client.request('POST', `/api/v1/security-groups/${sg.id}/rules`, { body: { direction: 'ingress', protocol: 'tcp', ports: { from: 80, to: 80 }, cidr: '0.0.0.0/0' } });
    const page = await eventually(async () => { const t = await fetchFromPublic(); return /na/.test(t) ? t : null; }, 'port forward through the security group', 30_000);
    assert.match(page, /na/, 'the guest\'s own page (its hostname) came back');

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
  });
});
