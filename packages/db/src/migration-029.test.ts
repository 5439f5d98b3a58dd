import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRepos } from './repos/index.ts';
import { openTestDatabase, seedAccount, seedInfrastructure, testDialects, withSchemaLock } from './testing/index.ts';
import * as m029 from './migrations/029-placement-indexes.ts';

/** Migration 029 on both dialects: placement's indexes go down and up again over existing hosts and pools. */
for (const dialect of testDialects) {
  describe(`migration 029 on ${dialect}`, () => {
    test('the dedicated-host and shared-pool lookups answer the same with and without the indexes', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const accountId = await seedAccount(repos, 'tenant');
        const infra = await seedInfrastructure(repos, { hosts: 3 });
        await h.db.updateTable('hosts').set({ dedicatedAccountId: accountId }).where('id', '=', infra.hosts[1]!.id).execute();
        const dedicated = async () => (await h.db.selectFrom('hosts').select('id').where('dedicatedAccountId', '=', accountId).execute()).map((r) => r.id);
        const sharedPools = async () => (await h.db.selectFrom('pools').select('id').where('clusterId', '=', infra.clusterId).where('hostId', 'is', null).execute()).length;
        assert.deepEqual(await dedicated(), [infra.hosts[1]!.id]);
        await withSchemaLock(dialect, () => m029.down(h.db));
        assert.deepEqual(await dedicated(), [infra.hosts[1]!.id]);
        assert.equal(await sharedPools(), 0);
        await withSchemaLock(dialect, () => m029.up(h.db));
        assert.deepEqual(await dedicated(), [infra.hosts[1]!.id]);
        assert.equal(await sharedPools(), 0);
      } finally { await h.drop(); }
    });
  });
}
