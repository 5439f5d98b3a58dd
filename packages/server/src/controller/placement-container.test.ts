import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId, placeInstance, systemClock, type InstanceType } from '@kumo/core';
import { createRepos, type InstanceRow } from '@kumo/db';
import { openTestDatabase, seedAccount, seedInfrastructure } from '@kumo/db/testing';
import { PlacementService } from './placement.ts';

const now = () => new Date().toISOString();

test('a container is placed on the LXC host only and a VM on the QEMU host only; an LXC-only zone has no room for a VM', async () => {
  const h = await openTestDatabase('sqlite');
  try {
    const repos = createRepos(h.db);
    const accountId = await seedAccount(repos, 'tenant');
    const infra = await seedInfrastructure(repos, { hosts: 2, cpus: 8, memoryMiB: 8192, hypervisor: 'qemu' });
    const [qemuHost, lxcHost] = infra.hosts.map((x) => x.id) as [string, string];
    await h.db.updateTable('hosts').set({ hypervisor: 'lxc' }).where('id', '=', lxcHost).execute();
    const offeringId = newId('offering');
    await repos.offerings.insert({ id: offeringId, name: 'o', description: '', vcpus: 1, memoryMiB: 128, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now() });
    const placement = new PlacementService(repos, systemClock);
    const row = (type: InstanceType): InstanceRow => ({
      id: newId('instance'), accountId, name: `x-${type}`, zoneId: infra.zoneId, podId: null, clusterId: null, hostId: null, poolId: null, imageId: null, imageVersionId: null,
      offeringId, keypairId: null, vcpus: 1, memoryMiB: 128, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'pending',
      task: 'scheduling', observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: now(), updatedAt: now(), deletedAt: null, type,
    });
    const hostsFor = async (type: InstanceType, hosts?: string[]) => {
      const all = await placement.loadHosts(infra.zoneId);
      const r = placeInstance(all.filter((x) => !hosts || hosts.includes(x.id)), await placement.buildRequest(row(type)), 8);
      return r.ok ? r.candidates.map((c) => c.hostId) : [];
    };
    assert.deepEqual(await hostsFor('container'), [lxcHost]);
    assert.deepEqual(await hostsFor('vm'), [qemuHost]);
    assert.deepEqual(await hostsFor('vm', [lxcHost]), [], 'a VM never lands on an LXC-only host');
    assert.deepEqual(await hostsFor('container', [qemuHost]), [], 'a container never lands on a QEMU-only host');
  } finally {
    await h.close();
  }
});

test('container_got_a_blank_root_volume: a placed container has no root volume, no volume.create operation and reserves no disk; a VM has its root volume', async () => {
  const h = await openTestDatabase('sqlite');
  try {
    const repos = createRepos(h.db);
    const accountId = await seedAccount(repos, 'tenant');
    const infra = await seedInfrastructure(repos, { hosts: 1 });
    const placement = new PlacementService(repos, systemClock);
    const place = async (type: InstanceType) => {
      const at = now();
      const inst: InstanceRow = {
        id: newId('instance'), accountId, name: type, zoneId: infra.zoneId, podId: null, clusterId: null, hostId: null, poolId: null, imageId: null, imageVersionId: null,
        offeringId: null, keypairId: null, vcpus: 1, memoryMiB: 128, rootDiskGiB: 5, hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'pending',
        task: 'scheduling', observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: at, updatedAt: at, deletedAt: null, type,
      };
      await repos.instances.insert(inst);
      const volumeId = newId('volume');
      const r = await placement.placeAndBind(inst, (pool, id) => `${pool}/${id}.qcow2`, volumeId, {
        id: newId('operation'), accountId, kind: 'volume.create', resourceType: 'volume', resourceId: volumeId, status: 'pending', progress: 0, message: 'queued',
        params: '{}', errorCode: null, errorMessage: null, idempotencyKey: null, requestHash: null, createdAt: at, startedAt: null, finishedAt: null, updatedAt: at,
        progressDetail: null, cancelRequestedAt: null,
      });
      const volumes = await repos.volumes.ofInstance(inst.id);
      const ops = await h.db.selectFrom('operations').select('id').where('resourceId', '=', volumeId).execute();
      return { rootVolume: r.rootVolume, volumes: volumes.length, ops: ops.length, hostId: r.placement.hostId };
    };
    const poolAllocated = async () => (await h.db.selectFrom('pools').select('allocatedGiB').where('id', '=', infra.poolIds[0]!).executeTakeFirstOrThrow()).allocatedGiB;
    const before = await poolAllocated();
    assert.deepEqual(await place('container'), { rootVolume: false, volumes: 0, ops: 0, hostId: infra.hosts[0]!.id });
    assert.equal(await poolAllocated(), before, 'a container reserves no disk');
    const vm = await place('vm');
    assert.deepEqual([vm.rootVolume, vm.volumes, vm.ops], [true, 1, 1]);
    assert.equal(await poolAllocated(), before + 5);
  } finally {
    await h.close();
  }
});
