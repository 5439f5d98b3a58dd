import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, newId } from '@kumo/core';
import { createRepos, type InstanceRow } from '@kumo/db';
import { openTestDatabase, seedAccount, seedInfrastructure } from '@kumo/db/testing';
import { PlacementService } from './placement.ts';
import { volumePath } from './instance-spec.ts';

/** Regression: a root disk's GiB-hours started only when it became ready, not when placement made it. */
test('root_disk_usage_starts_when_placement_creates_it', async () => {
  const h = await openTestDatabase('sqlite');
  try {
    const repos = createRepos(h.db);
    const clock = new FakeClock(Date.UTC(2026, 5, 1));
    const at = new Date(clock.now()).toISOString();
    const acct = await seedAccount(repos, 'tenant');
    const infra = await seedInfrastructure(repos, { hosts: 1 });
    const inst: InstanceRow = {
      id: newId('instance'), accountId: acct, name: 'vm', zoneId: infra.zoneId, podId: null, clusterId: null, hostId: null, poolId: null, imageId: null, imageVersionId: null,
      offeringId: null, keypairId: null, vcpus: 1, memoryMiB: 512, rootDiskGiB: 7, hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'pending',
      task: 'scheduling', observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: at, updatedAt: at, deletedAt: null,
    };
    await repos.instances.insert(inst);
    const volumeId = newId('volume');
    await new PlacementService(repos, clock).placeAndBind(inst, volumePath, volumeId, {
      id: newId('operation'), accountId: acct, kind: 'volume.create', resourceType: 'volume', resourceId: volumeId, status: 'pending', progress: 0, message: 'queued',
      params: '{}', errorCode: null, errorMessage: null, idempotencyKey: null, requestHash: null, createdAt: at, startedAt: null, finishedAt: null, updatedAt: at,
      progressDetail: null, cancelRequestedAt: null,
    });
    const events = await repos.usageEvents.history('account', acct);
    const disk = events.filter((e) => e.resourceId === volumeId);
    assert.deepEqual(disk.map((e) => [e.meter, e.quantity, e.at]), [['volume.gib', 7, at]]);
  } finally {
    await h.drop();
  }
});
