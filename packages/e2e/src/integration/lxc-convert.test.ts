// KVM → LXC end to end, for real: a server and one namespace host running `kumo agent --driver lxc`.
// A stopped VM whose root volume (on the host's local pool) is the tiny VM's disk is converted
// through the API: the host's real volume.rootfsTar (driver-lxc extraction) uploads the root-fs
// tarball to the server's image store, the server makes the container, and the container boots on
// the same host from the converted root file system. The VM was never booted (no QEMU here): its
// rows and its disk are put in place as a QEMU host would have left them.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { newId } from '@kumo/core';
import type { ImageVersion, Instance, KumoClient, Operation } from '@kumo/api';
import { buildTinyImage } from '@kumo/image-tiny';
import type { KumoServer } from '@kumo/server';
import type { TestbedProcess } from '@kumo/netcfg/testbed';
import { eventually } from '../testing/test-cloud.ts';
import { startLxcHostCloud, type LxcHostCloud } from '../testing/lxc-host-cloud.ts';

const netnsPrefix = `kc${process.pid % 10000}r-`;

describe('KVM → LXC conversion on a real LXC host', { timeout: 240_000 }, () => {
  let cloud: LxcHostCloud | undefined;
  let server: KumoServer; let client: KumoClient;
  let agent: TestbedProcess | undefined;
  const created: string[] = [];
  let zoneId = ''; let clusterId = ''; let offeringId = '';

  before(async () => {
    cloud = await startLxcHostCloud({ name: 'lxc-cvt', netnsPrefix });
    ({ server, client, agent, zoneId, clusterId, offeringId } = cloud);
  });

  after(async () => { await cloud?.stop(created); });

  test('the tiny VM\'s disk becomes a container that boots on the LXC host; the VM is renamed and stopped', async () => {
    const r = server.ctx.repos;
    const host = (await client.listAll<{ id: string; state: string }>('hosts')).find((h) => h.state === 'up')!;
    const pool = await r.db.selectFrom('pools').selectAll().where('hostId', '=', host.id).executeTakeFirstOrThrow();
    const admin = await r.db.selectFrom('accounts').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow();
    // The stopped VM, as a QEMU host leaves it: its root volume holds the tiny VM's disk.
    const tiny = await buildTinyImage({ outDir: join(process.env.KUMO_TEST_CACHE_DIR ?? '/var/tmp/kumo-test-cache', 'tiny') });
    const vmId = newId('instance'); const volumeId = newId('volume');
    created.push(vmId);
    mkdirSync(join(pool.path, 'volumes'), { recursive: true });
    const volumePath = join(pool.path, 'volumes', volumeId);
    execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'qcow2', tiny.rootDisk, volumePath]);
    const now = new Date().toISOString();
    await r.instances.insert({
      id: vmId, accountId: admin.id, name: 'web', zoneId, podId: null, clusterId, hostId: host.id, poolId: pool.id, imageId: null, imageVersionId: null,
      offeringId, keypairId: null, vcpus: 1, memoryMiB: 128, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0, desired: 'stopped', phase: 'stopped',
      task: null, observedPower: 'stopped', observedAt: now, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: now, updatedAt: now, deletedAt: null, type: 'vm',
    });
    await r.volumes.insert({
      id: volumeId, accountId: admin.id, instanceId: vmId, poolId: pool.id, kind: 'root', sizeGiB: 1, format: 'qcow2', provisioning: 'full', path: volumePath, createdAt: now,
      desired: 'ready', phase: 'ready', task: null, observedState: null, observedAt: null, errorReason: null, version: 1, updatedAt: now, pciSlot: null, serial: volumeId.slice(-20),
    });

    const op = await client.request<Operation>('POST', `/api/v1/instances/${vmId}/convert`, { query: { wait: true, waitTimeoutSec: 180 }, body: { to: 'container' } });
    assert.equal(op.status, 'succeeded', `${op.message}\n${agent?.output().slice(-3000) ?? ''}`);
    const vm = await client.get<Instance>('instances', vmId);
    assert.deepEqual([vm.name, vm.phase], ['web-vm', 'stopped']);
    const ct = (await client.listAll<Instance>('instances', { name: 'web' }))[0]!;
    created.push(ct.id);
    assert.equal(ct.type, 'container');
    const version = (await client.request<{ items: ImageVersion[] }>('GET', `/api/v1/images/${ct.imageId}/versions`)).items[0]!;
    assert.deepEqual([version.format, version.state], ['rootfs-tar', 'ready']);
    assert.ok(version.sizeBytes > 1024 * 1024, `a real tarball (${version.sizeBytes} bytes)`);

    const start = await client.request<Operation>('POST', `/api/v1/instances/${ct.id}/start`, { query: { wait: true, waitTimeoutSec: 120 }, body: {} });
    assert.equal(start.status, 'succeeded', `${start.message}\n${agent?.output().slice(-3000) ?? ''}`);
    await eventually(async () => /KUMO-BOOT-OK/.test(await client.requestText('GET', `/api/v1/instances/${ct.id}/console/log`)), 'the converted root boots', 60_000);
  });
});
