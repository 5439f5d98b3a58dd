import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { createRepos } from './repos/index.ts';
import { openTestDatabase, seedAccount, seedInfrastructure, testDialects, withSchemaLock } from './testing/index.ts';
import * as m010 from './migrations/010-image-versions-cdrom.ts';

/** Migration 010 on both dialects: existing images get a default version; instances get an empty-less CD-ROM state. */
for (const dialect of testDialects) {
  describe(`migration 010 on ${dialect}`, () => {
    test('images get their newest ready version as default; versions and instances get lineage and CD-ROM columns; down removes them', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const infra = await seedInfrastructure(repos, { hosts: 1 });
        const accountId = await seedAccount(repos, 'tenant');
        await withSchemaLock(dialect, () => m010.down(h.db));
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows as they were before 010
        const old = h.db as unknown as Kysely<any>;
        const now = '2026-12-07T00:00:00.000Z';
        const image = (id: string) => ({ id, accountId, name: id, description: '', kind: 'template', public: 0, osType: 'linux', minDiskGiB: 1, createdAt: now });
        const version = (id: string, imageId: string, v: string, state: string) => ({ id, imageId, version: v, format: 'qcow2', sizeBytes: 1, sha256: 'a', state, cmdline: '', storagePath: '', createdAt: now });
        await old.insertInto('images').values([image('image-a'), image('image-b')]).execute();
        await old.insertInto('imageVersions').values([
          version('imgv-1', 'image-a', '1', 'ready'), version('imgv-2', 'image-a', '2', 'ready'), version('imgv-3', 'image-a', '3', 'uploading'),
        ]).execute();
        await old.insertInto('offerings').values({ id: 'off-a', name: 'a', description: '', vcpus: 1, memoryMiB: 1, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 1, createdAt: now }).execute();
        await old.insertInto('instances').values({
          id: 'i-a', accountId, name: 'vm', zoneId: infra.zoneId, podId: null, clusterId: null, hostId: null, poolId: null,
          imageId: 'image-a', imageVersionId: 'imgv-1', offeringId: 'off-a', keypairId: null, vcpus: 1, memoryMiB: 1, rootDiskGiB: 1, hostTags: '[]', userData: '',
          configDrive: 0, desired: 'running', phase: 'running', task: null, observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]',
          version: 3, createdAt: now, updatedAt: now, deletedAt: null,
        }).execute();

        await withSchemaLock(dialect, () => m010.up(h.db));
        const images = new Map((await repos.db.selectFrom('images').select(['id', 'defaultVersionId']).execute()).map((r) => [r.id, r.defaultVersionId]));
        assert.equal(images.get('image-a'), 'imgv-2', 'the newest ready version, not the one still uploading');
        assert.equal(images.get('image-b'), null, 'an image without versions has no default');
        const v = await repos.db.selectFrom('imageVersions').selectAll().where('id', '=', 'imgv-2').executeTakeFirstOrThrow();
        assert.deepEqual([v.parentVersionId, v.sourceInstanceId, v.sourceSnapshotId, v.failureReason], [null, null, null, null]);
        const inst = await repos.db.selectFrom('instances').selectAll().where('id', '=', 'i-a').executeTakeFirstOrThrow();
        assert.deepEqual([inst.cdrom, inst.cdromImageId, inst.cdromImageVersionId, inst.bootDevice, inst.version], [0, null, null, 'disk', 3]);
        // Lineage and CD-ROM references are foreign keys.
        await repos.db.updateTable('imageVersions').set({ parentVersionId: 'imgv-1' }).where('id', '=', 'imgv-2').execute();
        await assert.rejects(repos.db.updateTable('imageVersions').set({ parentVersionId: 'imgv-missing' }).where('id', '=', 'imgv-3').execute());
        await assert.rejects(repos.db.updateTable('instances').set({ cdromImageVersionId: 'imgv-missing' }).where('id', '=', 'i-a').execute());
        await repos.db.updateTable('instances').set({ cdrom: 1, cdromImageId: 'image-a', cdromImageVersionId: 'imgv-2', bootDevice: 'cdrom' }).where('id', '=', 'i-a').execute();
        await repos.db.updateTable('instances').set({ cdromImageId: null, cdromImageVersionId: null }).where('id', '=', 'i-a').execute();

        await withSchemaLock(dialect, () => m010.down(h.db));
        const back = await old.selectFrom('images').selectAll().where('id', '=', 'image-a').executeTakeFirstOrThrow() as Record<string, unknown>;
        assert.equal('defaultVersionId' in back, false);
        await withSchemaLock(dialect, () => m010.up(h.db));
      } finally { await h.drop(); }
    });
  });
}
