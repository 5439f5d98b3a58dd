import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Instance, type Operation } from '@kumo/api';
import { AgentClient, createQemuHost } from '@kumo/agent';
import { buildTinyImage } from '@kumo/image-tiny';
import { uploadKernelImage } from '@kumo/kumo/tiny-image';
import { ServerProcess, freePort } from '../testing/server-process.ts';
import { eventually } from '../testing/test-cloud.ts';
import { killLeftoverGuests } from '../testing/qemu-cleanup.ts';

const cacheDir = join(process.env.KUMO_TEST_CACHE_DIR ?? '/var/tmp/kumo-test-cache', 'tiny');

/**
 * A save of a real running QEMU guest as an agent job: its progress reaches the operation; cancelled
 * once (the guest runs on, no state file); and completed once although the server is killed -9 in
 * the middle of it and restarted (the restarted server re-attaches to the running job by its key;
 * the host does the save once). The server is its own process; the agent runs in this one.
 */
test('a QEMU save as a job: progress, cancelled once, and completed once across a kill -9 of the server', { timeout: 420_000 }, async () => {
  const work = mkdtempSync('/var/tmp/kumo-save-job-');
  const srv = new ServerProcess(join(work, 'server'), await freePort());
  let agent: AgentClient | null = null;
  let instanceId = '';
  try {
    await srv.start();
    const client = await srv.adminClient();
    const zone = await client.create<{ id: string }>('zones', { name: 'z1' });
    const pod = await client.create<{ id: string }>('pods', { zoneId: zone.id, name: 'p1' });
    const cluster = await client.create<{ id: string }>('clusters', { podId: pod.id, name: 'c1', hypervisor: 'qemu' });
    const offering = await client.create<{ id: string }>('offerings', { name: 'small', vcpus: 1, memoryMiB: 128, rootDiskGiB: 1 });
    const tiny = await buildTinyImage({ outDir: cacheDir });
    const { imageId } = await uploadKernelImage(client, {
      name: 'tiny', bundlePath: join(work, 'tiny.tar'), cmdline: tiny.cmdline,
      parts: { vmlinuz: { path: tiny.kernel }, initrd: { path: tiny.initrd }, rootfs: { path: tiny.rootDisk }, cmdline: tiny.cmdline },
    });
    const joinToken = (await client.create<{ token: string }>('join-tokens', { clusterId: cluster.id })).token;

    // 8 MiB/s: the tiny guest's ~70 MiB of state takes ~9 s to save, long enough to cancel or kill mid-way.
    const host = createQemuHost({ stateDir: join(work, 'host'), serverUrl: srv.url, token: () => agent?.currentToken(), accel: 'tcg', saveBandwidthBytesPerSec: 8 * 1024 * 1024 });
    let saves = 0;
    const save = host.driver.save.bind(host.driver);
    host.driver.save = (id, path, ctx) => { saves++; return save(id, path, ctx); };
    agent = new AgentClient({
      serverUrl: srv.url, token: joinToken, hostName: 'qemu-1', address: '127.0.0.1', driver: host.driver, volumes: host.volumes,
      prepareStart: host.prepareStart, network: host.network, reconnect: { minMs: 200, maxMs: 1000 },
    });
    agent.start();
    await agent.connected();

    const created = await client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true, waitTimeoutSec: 240 }, body: { name: 'saver', zoneId: zone.id, imageId, offeringId: offering.id, nics: [] },
    });
    assert.equal(created.status, 'succeeded', created.message);
    instanceId = created.resourceId;
    await eventually(async () => (await client.requestText('GET', `/api/v1/instances/${instanceId}/console/log`)).includes('KUMO-BOOT-OK'), 'the guest to boot', 180_000);
    const save1 = await client.request<Operation>('POST', `/api/v1/instances/${instanceId}/save`, { body: {} });
    const underWay = await eventually(async () => {
      const o = await client.get<Operation>('operations', save1.id);
      return (o.progressDetail?.bytesDone ?? 0) > 0 ? o : null;
    }, 'save progress in the operation', 60_000);
    assert.equal(underWay.progressDetail?.phase, 'saving memory');
    assert.ok((underWay.progressDetail?.bytesTotal ?? 0) >= 128 * 1024 * 1024, 'the total is the guest\'s RAM');

    // Cancelled once: the guest runs on and no state file is left.
    await client.request('POST', `/api/v1/operations/${save1.id}/cancel`);
    const cancelled = await client.waitOperation(save1.id, { timeoutMs: 60_000 });
    assert.equal(cancelled.status, 'cancelled', cancelled.message);
    let inst = await client.get<Instance>('instances', instanceId);
    assert.deepEqual([inst.phase, inst.desired, inst.task], ['running', 'running', null]);
    assert.equal((await host.driver.inspect(instanceId)).power, 'running', 'QEMU runs the guest on');
    assert.equal(saves, 1);

    // Completed once, with the server killed in the middle of it.
    const save2 = await client.request<Operation>('POST', `/api/v1/instances/${instanceId}/save`, { body: {} });
    await eventually(async () => ((await client.get<Operation>('operations', save2.id)).progressDetail?.bytesDone ?? 0) > 0 || null, 'the second save under way', 60_000);
    await srv.kill9();
    const stillSaving = (await host.driver.inspect(instanceId)).power;
    assert.notEqual(stillSaving, 'saved', 'the kill landed while the save ran');
    await srv.start();
    const done = await client.waitOperation(save2.id, { timeoutMs: 180_000 });
    assert.equal(done.status, 'succeeded', done.message);
    inst = await client.get<Instance>('instances', instanceId);
    assert.equal(inst.phase, 'saved');
    assert.equal(saves, 2, 'the restarted server re-attached to the job instead of saving again');
    assert.equal((await host.driver.inspect(instanceId)).power, 'saved');

    const restored = await client.request<Operation>('POST', `/api/v1/instances/${instanceId}/restore`, { query: { wait: true, waitTimeoutSec: 180 }, body: {} });
    assert.equal(restored.status, 'succeeded', restored.message);
    const del = await client.request<Operation>('DELETE', `/api/v1/instances/${instanceId}`, { query: { wait: true, waitTimeoutSec: 120 } });
    assert.equal(del.status, 'succeeded', del.message);
    assert.equal(existsSync(join(work, 'host', 'instances', instanceId)), false, 'nothing left of the guest on the host');
  } finally {
    await agent?.close();
    await srv.stop();
    killLeftoverGuests(work, instanceId ? [instanceId] : []);
    rmSync(work, { recursive: true, force: true });
  }
});
