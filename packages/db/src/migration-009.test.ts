import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { createRepos } from './repos/index.ts';
import { openTestDatabase, seedAccount, seedInfrastructure, testDialects, withSchemaLock } from './testing/index.ts';
import * as m009 from './migrations/009-volumes-snapshots-rbd-qos.ts';

/** Migration 009 on both dialects: existing pools, offerings and volumes keep their rows; snapshots appear; down undoes it. */
for (const dialect of testDialects) {
  describe(`migration 009 on ${dialect}`, () => {
    test('pools gain rbd columns, disk offerings limits, volumes names and sources; a snapshots table; down restores the old shape', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const infra = await seedInfrastructure(repos, { hosts: 1 });
        const accountId = await seedAccount(repos, 'tenant');
        await withSchemaLock(dialect, () => m009.down(h.db));
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows as they were before 009
        const old = h.db as unknown as Kysely<any>;
        await old.insertInto('diskOfferings').values({ id: 'do-1', name: 'd1', description: '', sizeGiB: 5, qosClass: 'best-effort', createdAt: '2026-12-07T00:00:00.000Z' }).execute();
        await old.insertInto('volumes').values({
          id: 'vol-old', accountId, instanceId: null, poolId: infra.poolIds[0], kind: 'data', sizeGiB: 3, format: 'qcow2', provisioning: 'full',
          path: '/p/vol-old', createdAt: '2026-12-07T00:00:00.000Z', desired: 'ready', phase: 'ready', version: 1, serial: 'vol-old',
        }).execute();

        await withSchemaLock(dialect, () => m009.up(h.db));
        const vol = await repos.volumes.getAny('vol-old');
        assert.equal(vol?.name, '', 'old volumes get an empty name');
        assert.equal(vol?.diskOfferingId, null);
        assert.equal(vol?.sourceSnapshotId, null);
        assert.equal(vol?.sizeGiB, 3);
        const off = await repos.db.selectFrom('diskOfferings').selectAll().where('id', '=', 'do-1').executeTakeFirstOrThrow();
        assert.deepEqual([off.readIops, off.writeIops, off.readBytesPerSec, off.writeBytesPerSec], [null, null, null, null], 'no limits unless set');
        await repos.db.updateTable('diskOfferings').set({ readBytesPerSec: 10 * 2 ** 30 }).where('id', '=', 'do-1').execute();
        const big = await repos.db.selectFrom('diskOfferings').select('readBytesPerSec').where('id', '=', 'do-1').executeTakeFirstOrThrow();
        assert.equal(big.readBytesPerSec, 10 * 2 ** 30, 'bytes/s beyond 32 bits round-trip as numbers');
        const pool = await repos.db.selectFrom('pools').selectAll().where('id', '=', infra.poolIds[0]!).executeTakeFirstOrThrow();
        assert.equal(pool.rbdPool, null);
        const now = '2026-12-07T01:00:00.000Z';
        await repos.snapshots.insert({
          id: 'snap-1', accountId, volumeId: 'vol-old', name: 's', sizeGiB: 3, sizeBytes: 0, location: 'image-store', poolId: infra.poolIds[0]!,
          format: 'qcow2', storagePath: null, sha256: null, desired: 'ready', phase: 'pending', task: null, errorReason: null, version: 1, createdAt: now, updatedAt: now,
        });
        assert.deepEqual(await repos.snapshots.unsettledIds(), ['snap-1']);
        await repos.db.deleteFrom('volumes').where('id', '=', 'vol-old').execute();
        assert.equal((await repos.snapshots.getAny('snap-1'))?.volumeId, 'vol-old', 'a snapshot outlives its volume');

        await withSchemaLock(dialect, () => m009.down(h.db));
        const cols = await old.selectFrom('diskOfferings').selectAll().where('id', '=', 'do-1').executeTakeFirstOrThrow();
        assert.equal('readIops' in cols, false);
        await withSchemaLock(dialect, () => m009.up(h.db));
      } finally { await h.drop(); }
    });
  });
}
