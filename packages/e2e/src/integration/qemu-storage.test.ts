import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { KumoClient, type Instance, type Operation } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { buildServer, createJoinToken, seedDefaultCloud, type KumoServer } from '@kumo/server';
import { buildTinyImage } from '@kumo/image-tiny';
import { uploadKernelImage } from '@kumo/kumo/tiny-image';
import { createTestbed, type Testbed, type TestbedProcess } from '@kumo/netcfg/testbed';
import { useTestCephCluster, type TestCephCluster } from '@kumo/storage-rbd/testing';
import { eventually } from '../testing/test-cloud.ts';
import { killLeftoverGuests } from '../testing/qemu-cleanup.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const cacheDir = join(process.env.KUMO_TEST_CACHE_DIR ?? '/var/tmp/kumo-test-cache', 'tiny');

interface Volume { id: string; name: string; instanceId: string | null; serial: string; phase: string; sizeGiB: number; poolId: string }
interface Snapshot { id: string; phase: string; volumeId: string }

/**
 * Issue [storage]'s proof with real parts: two QEMU hosts in network namespaces, a real single-node
 * Ceph cluster on the testbed's bridge as their shared RBD pool, and tiny guests under TCG. A guest
 * writes a marker to a hot-attached RBD volume; the volume moves to a guest on the other host and the
 * marker is read back there; a snapshot becomes a new volume with the marker; an image captured from
 * a guest boots a new instance that has the file the first one wrote.
 */
describe('storage on real hosts: RBD volumes move between hosts, snapshots and captured images keep data', { timeout: 900_000 }, () => {
  let bed: Testbed; let server: KumoServer; let client: KumoClient; let ceph: TestCephCluster | undefined;
  let url = ''; let work = ''; let joinToken = ''; let zoneId = ''; let clusterId = ''; let offeringId = ''; let tinyId = ''; let rbdPoolId = '';
  const agents: Array<TestbedProcess | null> = [null, null];
  const created: string[] = [];
  let closeDb: () => Promise<void> = async () => undefined;
  const vms: Record<string, Instance> = {};

  const startAgent = (i: number) => {
    agents[i] = bed.spawn(i, [process.execPath, '--import', 'tsx', join(repoRoot, 'packages/kumo/src/main.ts'), '--server', url, 'agent',
      '--driver', 'qemu', '--token', joinToken, '--name', `sh${i}`, '--address', bed.hosts[i]!.underlayIp, '--state-dir', join(work, `host${i}`)]);
  };
  const op = async (method: string, path: string, body?: unknown): Promise<Operation> => {
    const o = await client.request<Operation>(method, path, { query: { wait: true, waitTimeoutSec: 300 }, ...(body === undefined ? {} : { body }) });
    assert.equal(o.status, 'succeeded', `${method} ${path}: ${o.error?.message ?? o.message}`);
    return o;
  };
  const createVm = async (name: string, extra: Record<string, unknown> = {}): Promise<Instance> => {
    const o = await op('POST', '/api/v1/instances', { name, zoneId, imageId: tinyId, offeringId, ...extra });
    created.push(o.resourceId);
    const inst = await client.get<Instance>('instances', o.resourceId);
    await eventually(async () => (await consoleLog(inst.id)).includes('KUMO-BOOT-OK'), `${name} boot marker`, 180_000);
    return inst;
  };
  const consoleLog = (id: string) => client.requestText('GET', `/api/v1/instances/${id}/console/log`);

  /**
   * Types a command into the guest's serial console (WebSocket) and returns what it printed before
   * an end marker that the guest computes ($((6*7))), so the echo of the typed line never matches.
   */
  let seq = 0;
  const run = async (instanceId: string, command: string, timeoutMs = 60_000): Promise<string> => {
    const end = `KUMO-END-${++seq}-42`;
    const before = (await consoleLog(instanceId)).length;
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/instances/${instanceId}/console`, { headers: { authorization: `Bearer ${client.tokenValue()}`, origin: url } });
    await new Promise<void>((res, rej) => { ws.once('open', () => res()); ws.once('error', rej); });
    try {
      ws.send(Buffer.from(`${command}; echo KUMO-END-${seq}-$((6*7))\r`));
      return await eventually<string>(async () => {
        const log = await consoleLog(instanceId);
        const tail = log.length >= before ? log.slice(before) : log;
        const at = tail.indexOf(end);
        if (at < 0) return null;
        const printed = tail.slice(0, at).replace(/\r/g, '');
        return printed.slice(printed.indexOf('\n') + 1); // what follows the echo of the typed line
      }, `the guest to answer ${JSON.stringify(command)}`, timeoutMs).catch(async (e: unknown) => {
        throw new Error(`${String(e)}; the console ends with: ${JSON.stringify((await consoleLog(instanceId)).slice(-1500))}`);
      });
    } finally {
      ws.close();
    }
  };
  /** The guest's block device whose virtio serial is `serial` (vdb, vdc, …), once the guest sees it. */
  const deviceOf = async (instanceId: string, serial: string): Promise<string> =>
    eventually(async () => {
      const out = await run(instanceId, `for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = "${serial}" ] && echo DEV=\${d##*/}; done`);
      return /DEV=(vd[a-z]+)/.exec(out)?.[1] ?? null;
    }, `disk ${serial} visible in the guest`, 60_000);

  before(async () => {
    work = mkdtempSync('/var/tmp/kumo-storage-e2e-');
    bed = await createTestbed({ name: 'storage-e2e', hosts: 2 });
    // The hosts live in namespaces: the cluster binds to the testbed bridge's address, which they reach.
    ceph = await useTestCephCluster({ address: bed.serverIp });
    const database = await openDatabase({ dataDir: join(work, 'server') });
    closeDb = () => database.close();
    server = await buildServer({ database, dataDir: join(work, 'server'), logLevel: 'warn', controller: { heartbeatIntervalMs: 2000 } });
    await server.app.listen({ host: bed.serverIp, port: 0 });
    url = `http://${bed.serverIp}:${(server.app.server.address() as AddressInfo).port}`;
    await server.ctx.auth.bootstrapAdmin('storage-test-password');
    client = new KumoClient({ baseUrl: url });
    client.setToken((await server.ctx.auth.login('admin', 'storage-test-password')).token);
    const cloud = await seedDefaultCloud(server.ctx, 'qemu');
    zoneId = cloud.zoneId; clusterId = cloud.clusterId; offeringId = cloud.offeringIds.small!;
    joinToken = (await createJoinToken(server.ctx, cloud.clusterId)).token;
    await server.start();
    const tiny = await buildTinyImage({ outDir: cacheDir });
    tinyId = (await uploadKernelImage(client, {
      name: 'tiny', bundlePath: join(work, 'tiny.tar'), cmdline: tiny.cmdline,
      parts: { vmlinuz: { path: tiny.kernel }, initrd: { path: tiny.initrd }, rootfs: { path: tiny.rootDisk }, cmdline: tiny.cmdline },
    })).imageId;
    rbdPoolId = (await client.create<{ id: string }>('pools', {
      name: 'ceph', clusterId, kind: 'rbd', rbdPool: ceph.pool, cephUser: ceph.user, cephConf: ceph.conf, capacityGiB: 8,
    })).id;
    startAgent(0); startAgent(1);
    await eventually(async () => (await client.listAll<{ state: string }>('hosts')).filter((h) => h.state === 'up').length === 2, 'both hosts up', 90_000)
      .catch((e: unknown) => { throw new Error(`${String(e)}\nagent 0: ${agents[0]?.output()}\nagent 1: ${agents[1]?.output()}`); });
  });

  after(async () => {
    for (const id of created) await client.request('DELETE', `/api/v1/instances/${id}`, { query: { wait: true, waitTimeoutSec: 120 } }).catch(() => undefined);
    for (const a of agents) a?.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => a?.exited));
    await server?.close();
    await closeDb();
    await ceph?.release();
    await bed?.destroy();
    killLeftoverGuests(work, created);
    rmSync(work, { recursive: true, force: true });
  });

  test('a marker written to a hot-attached RBD volume is read back by a guest on the other host', async () => {
    const group = await client.create<{ id: string }>('affinity-groups', { name: 'apart', policy: 'anti-affinity' });
    const [a, b] = await Promise.all([createVm('vm-a', { affinityGroupIds: [group.id] }), createVm('vm-b', { affinityGroupIds: [group.id] })]);
    vms.a = a; vms.b = b;
    assert.notEqual(a.hostId, b.hostId, 'the two guests run on different hosts');

    const vo = await op('POST', '/api/v1/volumes', { name: 'shared-data', zoneId, sizeGiB: 1, poolId: rbdPoolId });
    const vol = await client.get<Volume>('volumes', vo.resourceId);
    assert.equal(vol.sizeGiB, 1);
    await op('POST', `/api/v1/volumes/${vol.id}/attach`, { instanceId: a.id });
    const devA = await deviceOf(a.id, vol.serial);
    const size = await run(a.id, `cat /sys/block/${devA}/size`);
    assert.equal(Number(/\d+/.exec(size)?.[0]) * 512, 1024 ** 3, 'the guest sees exactly 1 GiB');
    await run(a.id, `echo KUMO-MARKER-RBD > /dev/${devA}; echo WROTE; sync`, 180_000);

    await op('POST', `/api/v1/volumes/${vol.id}/detach`);
    await eventually(async () => !(await run(a.id, 'ls /sys/block')).includes(devA), 'the disk left guest a', 60_000);
    await op('POST', `/api/v1/volumes/${vol.id}/attach`, { instanceId: b.id });
    const devB = await deviceOf(b.id, vol.serial);
    assert.match(await run(b.id, `head -c 15 /dev/${devB}; echo`), /KUMO-MARKER-RBD/);
  });

  test('a snapshot of the volume becomes a new volume that has the marker', async () => {
    const vol = (await client.listAll<Volume>('volumes', { name: 'shared-data' }))[0]!;
    const so = await op('POST', '/api/v1/snapshots', { volumeId: vol.id, name: 'shared-data-1' });
    const snap = await client.get<Snapshot>('snapshots', so.resourceId);
    assert.equal(snap.phase, 'ready');
    const no = await op('POST', '/api/v1/volumes', { name: 'from-snapshot', zoneId, snapshotId: snap.id });
    const copy = await client.get<Volume>('volumes', no.resourceId);
    await op('POST', `/api/v1/volumes/${copy.id}/attach`, { instanceId: vms.b!.id });
    const dev = await deviceOf(vms.b!.id, copy.serial);
    assert.match(await run(vms.b!.id, `head -c 15 /dev/${dev}; echo`), /KUMO-MARKER-RBD/);
  });

  test('an image captured from a guest boots a new instance that has the file the guest wrote', async () => {
    const a = vms.a!;
    await run(a.id, 'echo KUMO-CAPTURED-FILE > /root/captured.txt; sync');
    await op('POST', `/api/v1/instances/${a.id}/stop`, {});
    await op('POST', `/api/v1/instances/${a.id}/capture`, { name: 'tiny-captured' });
    const image = (await client.listAll<{ id: string; name: string }>('images', { name: 'tiny-captured' }))[0]!;
    const c = await createVm('vm-c', { imageId: image.id });
    assert.match(await run(c.id, 'cat /root/captured.txt'), /KUMO-CAPTURED-FILE/);
  });
});
