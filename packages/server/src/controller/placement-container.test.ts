import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId, systemClock } from '@kumo/core';
import { createRepos, type InstanceRow } from '@kumo/db';
import { openTestDatabase, seedAccount, seedInfrastructure } from '@kumo/db/testing';
import { PlacementService } from './placement.ts';

const now = () => new Date().toISOString();

test('an instance of a root-fs tarball image is placed on LXC hosts only; other images leave the hypervisor open', async () => {
  const h = await openTestDatabase('sqlite');
  try {
    const repos = createRepos(h.db);
    const accountId = await seedAccount(repos, 'tenant');
    const infra = await seedInfrastructure(repos, { hosts: 1, cpus: 8, memoryMiB: 8192 });
    const imageId = newId('image');
    await repos.images.insert({ id: imageId, accountId, name: 'tiny-ct', description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now() });
    const offeringId = newId('offering');
    await repos.offerings.insert({ id: offeringId, name: 'o', description: '', vcpus: 1, memoryMiB: 128, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now() });
    const placement = new PlacementService(repos, systemClock);
    const requestFor = async (format: 'rootfs-tar' | 'qcow2') => {
      const versionId = newId('imageVersion');
      await repos.imageVersions.insert({ id: versionId, imageId, version: format, format, sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now() });
      const row: InstanceRow = {
        id: newId('instance'), accountId, name: `x-${format}`, zoneId: infra.zoneId, podId: null, clusterId: null, hostId: null, poolId: null, imageId, imageVersionId: versionId,
        offeringId, keypairId: null, vcpus: 1, memoryMiB: 128, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'pending',
        task: 'scheduling', observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: now(), updatedAt: now(), deletedAt: null,
      };
      return placement.buildRequest(row);
    };
    assert.equal((await requestFor('rootfs-tar')).hypervisor, 'lxc');
    assert.equal((await requestFor('qcow2')).hypervisor, undefined);
  } finally {
    await h.close();
  }
});
