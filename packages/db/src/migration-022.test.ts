import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@kumo/core';
import { createRepos } from './repos/index.ts';
import { openTestDatabase, seedAccount, seedInfrastructure, testDialects, withSchemaLock } from './testing/index.ts';
import * as m022 from './migrations/022-instance-type.ts';

/** Migration 022 on both dialects: instances from before it are VMs, those of a root-fs tarball image containers; down and up again. */
for (const dialect of testDialects) {
  describe(`migration 022 on ${dialect}`, () => {
    test('instances made from a rootfs-tar image version become containers, the others VMs', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const accountId = await seedAccount(repos, 'tenant');
        const infra = await seedInfrastructure(repos, { hosts: 1 });
        const at = new Date().toISOString();
        const imageId = newId('image');
        await repos.images.insert({ id: imageId, accountId, name: 'img', description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: at });
        const ids: Record<string, string> = {};
        for (const format of ['rootfs-tar', 'qcow2'] as const) {
          const versionId = newId('imageVersion');
          await repos.imageVersions.insert({ id: versionId, imageId, version: format, format, sizeBytes: 1, sha256: 'c'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: at });
          ids[format] = newId('instance');
          await repos.instances.insert({
            id: ids[format]!, accountId, name: format, zoneId: infra.zoneId, podId: null, clusterId: null, hostId: null, poolId: null, imageId, imageVersionId: versionId,
            offeringId: null, keypairId: null, vcpus: 1, memoryMiB: 64, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0, desired: 'stopped', phase: 'pending',
            task: null, observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: at, updatedAt: at, deletedAt: null,
          });
        }
        await withSchemaLock(dialect, () => m022.down(h.db));
        await withSchemaLock(dialect, () => m022.up(h.db));
        const type = async (id: string) => (await repos.db.selectFrom('instances').select('type').where('id', '=', id).executeTakeFirstOrThrow()).type;
        assert.equal(await type(ids['rootfs-tar']!), 'container');
        assert.equal(await type(ids.qcow2!), 'vm');
      } finally { await h.drop(); }
    });
  });
}
