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
