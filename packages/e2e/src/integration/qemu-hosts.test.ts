import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { KumoClient, type Instance, type Operation } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { buildServer, createJoinToken, seedDefaultCloud, type KumoServer } from '@kumo/server';
import { buildTinyImage } from '@kumo/image-tiny';
import type { KernelBundleParts } from '@kumo/storage';
import { uploadKernelImage } from '@kumo/kumo/tiny-image';
import { createTestbed, type Testbed, type TestbedProcess } from '@kumo/netcfg/testbed';
import { eventually } from '../testing/test-cloud.ts';
import { killLeftoverGuests, pidsMentioning } from '../testing/qemu-cleanup.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const cacheDir = join(process.env.KUMO_TEST_CACHE_DIR ?? '/var/tmp/kumo-test-cache', 'tiny');

/**
 * Real hosts: two network namespaces, each with its own `kumo agent --driver qemu` process, real QEMU
 * guests booted from the tiny image under TCG. Few guests, reused across assertions.
 */
describe('two QEMU hosts in network namespaces', { timeout: 300_000 }, () => {
  let bed: Testbed; let server: KumoServer; let client: KumoClient; let url = '';
  let work = ''; let joinToken = ''; let zoneId = ''; let offeringId = ''; let tinyId = ''; let brokenId = '';
  const agents: Array<TestbedProcess | null> = [null, null];
  const created: string[] = [];
  let bootedAt = 0;
  let closeDb: () => Promise<void> = async () => undefined;

  const startAgent = (i: number) => {
    agents[i] = bed.spawn(i, [process.execPath, '--import', 'tsx', join(repoRoot, 'packages/kumo/src/main.ts'), '--server', url, 'agent',
      '--driver', 'qemu', '--token', joinToken, '--name', `qh${i}`, '--address', bed.hosts[i]!.underlayIp, '--state-dir', join(work, `host${i}`)]);
  };
  const hostIdOf = async (name: string) => (await client.listAll<{ id: string; name: string; state: string }>('hosts')).find((h) => h.name === name);
  const qemuPid = (instanceId: string) => pidsMentioning(instanceId).find((p) => {
    try { return (readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0] ?? '').includes('qemu-system'); } catch { return false; }
  });
  const consoleLog = (id: string) => client.requestText('GET', `/api/v1/instances/${id}/console/log`);
  const create = async (name: string, extra: Record<string, unknown> = {}) => {
    const op = await client.request<Operation>('POST', '/api/v1/instances', { query: { wait: true, waitTimeoutSec: 240 }, body: { name, zoneId, imageId: tinyId, offeringId, ...extra } });
    created.push(op.resourceId);
    return op;
  };

  before(async () => {
    work = mkdtempSync('/var/tmp/kumo-qemu-e2e-');
    bed = await createTestbed({ name: 'qemu-e2e', hosts: 2 });
    const database = await openDatabase({ dataDir: join(work, 'server') });
    closeDb = () => database.close();
    server = await buildServer({ database, dataDir: join(work, 'server'), logLevel: 'warn', controller: { heartbeatIntervalMs: 2000 } });
    await server.app.listen({ host: bed.serverIp, port: 0 });
    url = `http://${bed.serverIp}:${(server.app.server.address() as AddressInfo).port}`;
    await server.ctx.auth.bootstrapAdmin('qemu-test-password');
    client = new KumoClient({ baseUrl: url });
    client.setToken((await server.ctx.auth.login('admin', 'qemu-test-password')).token);
    const cloud = await seedDefaultCloud(server.ctx, 'qemu');
    zoneId = cloud.zoneId; offeringId = cloud.offeringIds.small!;
    joinToken = (await createJoinToken(server.ctx, cloud.clusterId)).token;
    await server.start();

    // The tiny image as a kernel bundle, and a broken one whose "kernel" is noise.
    const tiny = await buildTinyImage({ outDir: cacheDir });
    const upload = async (name: string, parts: KernelBundleParts) =>
      (await uploadKernelImage(client, { name, bundlePath: join(work, `${name}.tar`), parts, cmdline: tiny.cmdline })).imageId;
    tinyId = await upload('tiny', { vmlinuz: { path: tiny.kernel }, initrd: { path: tiny.initrd }, rootfs: { path: tiny.rootDisk }, cmdline: tiny.cmdline });
    const noise = join(work, 'noise');
    writeFileSync(noise, createHash('sha512').update('not a kernel').digest());
    brokenId = await upload('broken', { vmlinuz: { path: noise }, initrd: { path: tiny.initrd }, rootfs: { path: tiny.rootDisk }, cmdline: tiny.cmdline });

    startAgent(0); startAgent(1);
    await eventually(async () => (await client.listAll<{ state: string }>('hosts')).filter((h) => h.state === 'up').length === 2, 'both hosts up', 60_000)
      .catch((e: unknown) => { throw new Error(`${String(e)}\nagent 0: ${agents[0]?.output()}\nagent 1: ${agents[1]?.output()}`); });
  });

  after(async () => {
    for (const id of created) await client.request('DELETE', `/api/v1/instances/${id}`, { query: { wait: true, waitTimeoutSec: 60 } }).catch(() => undefined);
    for (const a of agents) a?.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => a?.exited));
    await server?.close();
    await closeDb();
    await bed?.destroy();
    killLeftoverGuests(work, created);
    rmSync(work, { recursive: true, force: true });
  });

  test('instances spread over both hosts boot the tiny image', async () => {
    const group = await client.create<{ id: string }>('affinity-groups', { name: 'apart', policy: 'anti-affinity' });
    const [a, b] = await Promise.all([create('vm-a', { affinityGroupIds: [group.id], graphicalConsole: true }), create('vm-b', { affinityGroupIds: [group.id] })]);
    assert.equal(a!.status, 'succeeded', a!.message);
    assert.equal(b!.status, 'succeeded', b!.message);
    const ia = await client.get<Instance>('instances', a!.resourceId);
    const ib = await client.get<Instance>('instances', b!.resourceId);
    assert.notEqual(ia.hostId, ib.hostId, 'anti-affinity puts them on different hosts');
    for (const i of [ia, ib]) {
      assert.equal(i.phase, 'running');
      await eventually(async () => (await consoleLog(i.id)).includes('KUMO-BOOT-OK'), `${i.name} boot marker`, 90_000);
      if (i.name === 'vm-a') bootedAt = Date.now();
      assert.ok(qemuPid(i.id), `a QEMU process runs for ${i.name}`);
    }
  });

  test('restarting an agent restarts none of its guests', async () => {
    const vm = (await client.listAll<Instance>('instances', { name: 'vm-a' }))[0]!;
    const hostName = (await client.get<{ name: string }>('hosts', vm.hostId!)).name;
    const idx = hostName === 'qh0' ? 0 : 1;
    const pidBefore = qemuPid(vm.id);
    assert.ok(pidBefore);
    agents[idx]!.child.kill('SIGTERM');
    await agents[idx]!.exited;
    await eventually(async () => (await hostIdOf(hostName))?.state === 'disconnected', 'host seen disconnected', 30_000);
    startAgent(idx);
    await eventually(async () => (await hostIdOf(hostName))?.state === 'up', 'host back up', 60_000);
    assert.equal(qemuPid(vm.id), pidBefore, 'the same QEMU process still runs the guest');
    const after = await client.get<Instance>('instances', vm.id);
    assert.equal(after.phase, 'running');
    assert.equal(after.task, null);
    // The guest's own clock says it has been up since before the agent restart.
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/instances/${vm.id}/console`, { headers: { authorization: `Bearer ${client.tokenValue()}` } });
    let out = '';
    ws.on('message', (d: Buffer) => { out += d.toString(); });
    await new Promise<void>((res, rej) => { ws.once('open', () => res()); ws.once('error', rej); });
    ws.send(Buffer.from('\recho UP=$(cut -d. -f1 /proc/uptime)=\r'));
    const up = await eventually(async () => Number(/UP=(\d+)=/.exec(out)?.[1] ?? NaN) || null, 'guest uptime on the console', 20_000);
    ws.close();
    const sinceBoot = (Date.now() - bootedAt) / 1000;
    assert.ok(up >= Math.floor(sinceBoot) - 1, `guest up ${up} s, booted ${sinceBoot.toFixed(1)} s ago: it was not restarted`);
  });

  test('graphical console through agent and server: a real RFB handshake on the WebSocket, a PNG screenshot (after the agent restart)', async () => {
    const vm = (await client.listAll<Instance>('instances', { name: 'vm-a' }))[0]!;
    assert.equal(vm.graphicalConsole, true);
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/instances/${vm.id}/vnc`, { headers: { authorization: `Bearer ${client.tokenValue()}` } });
    const chunks: Buffer[] = [];
    const got = (n: number) => eventually(async () => (Buffer.concat(chunks).length >= n ? Buffer.concat(chunks) : null), `${n} bytes from the VNC server`, 20_000);
    ws.on('message', (d: Buffer) => chunks.push(d));
    await new Promise<void>((res, rej) => { ws.once('open', () => res()); ws.once('error', rej); });
    assert.equal((await got(12)).subarray(0, 12).toString('latin1'), 'RFB 003.008\n', 'QEMU\'s VNC server greets through agent and server');
    ws.send(Buffer.from('RFB 003.008\n'));
    const sec = (await got(14)).subarray(12);
    assert.ok([...sec.subarray(1, 1 + sec[0]!)].includes(1), 'security type None (the server did the access check)');
    ws.close();
    const res = await fetch(`${url}/api/v1/instances/${vm.id}/screenshot`, { headers: { authorization: `Bearer ${client.tokenValue()}` } });
    assert.equal(res.status, 200);
    const png = Buffer.from(await res.arrayBuffer());
    assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'PNG signature');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [720, 400], 'the VGA text screen');
    // vm-b was created without a display (a kernel bundle's default): its screenshot is refused.
    const vmB = (await client.listAll<Instance>('instances', { name: 'vm-b' }))[0]!;
    const noScreen = await fetch(`${url}/api/v1/instances/${vmB.id}/screenshot`, { headers: { authorization: `Bearer ${client.tokenValue()}` } });
    assert.equal(noScreen.status, 409);
    assert.match(await noScreen.text(), /no graphical console/);
  });

  test('a guest that runs poweroff is observed stopped', async () => {
    const vm = (await client.listAll<Instance>('instances', { name: 'vm-b' }))[0]!;
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/instances/${vm.id}/console`, { headers: { authorization: `Bearer ${client.tokenValue()}` } });
    await new Promise<void>((res, rej) => { ws.once('open', () => res()); ws.once('error', rej); });
    ws.send(Buffer.from('\rpoweroff\r'));
    const stopped = await eventually(async () => {
      const i = await client.get<Instance>('instances', vm.id);
      return i.phase === 'stopped' ? i : null;
    }, 'vm-b observed stopped', 60_000);
    ws.close();
    assert.equal(stopped.desired, 'stopped', 'a guest-initiated poweroff is a stop by its owner');
    assert.equal(stopped.observed.power, 'stopped');
    await eventually(async () => qemuPid(vm.id) === undefined, 'QEMU exited', 20_000);
  });

  test('a QEMU start failure surfaces QEMU\'s own message in the operation', async () => {
    const op = await create('vm-broken', { imageId: brokenId });
    assert.equal(op.status, 'failed');
    assert.match(op.error?.message ?? '', /qemu|kernel|PVH|linux/i);
    const inst = await client.get<Instance>('instances', op.resourceId);
    assert.equal(inst.phase, 'error');
  });

  test('deleting instances leaves nothing on the hosts\' disks', async () => {
    for (const id of created.splice(0)) {
      const op = await client.request<Operation>('DELETE', `/api/v1/instances/${id}`, { query: { wait: true, waitTimeoutSec: 120 } });
      assert.equal(op.status, 'succeeded', op.message);
    }
    for (const i of [0, 1]) {
      assert.deepEqual(readdirSync(join(work, `host${i}`, 'pools', 'local', 'volumes')), [], `host${i} volumes`);
      assert.deepEqual(readdirSync(join(work, `host${i}`, 'instances')).filter((f) => !f.startsWith('.')), [], `host${i} instance dirs`);
    }
  });
});
