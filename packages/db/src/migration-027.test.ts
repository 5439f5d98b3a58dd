import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRepos } from './repos/index.ts';
import { openTestDatabase, seedAccount, seedInfrastructure, seedInstance, testDialects, withSchemaLock } from './testing/index.ts';
import * as m027 from './migrations/027-metadata-http-tokens.ts';

/** Migration 027 on both dialects: instances from before it have no IMDSv2 setting (null: optional); down and up again. */
for (const dialect of testDialects) {
  describe(`migration 027 on ${dialect}`, () => {
    test('metadataHttpTokens: null for existing instances, stores required, survives down and up', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const accountId = await seedAccount(repos, 'tenant');
        const infra = await seedInfrastructure(repos, { hosts: 1 });
        const id = await seedInstance(repos, accountId, infra.zoneId);
        await withSchemaLock(dialect, () => m027.down(h.db));
        await withSchemaLock(dialect, () => m027.up(h.db));
        const tokens = async () => (await repos.db.selectFrom('instances').select('metadataHttpTokens').where('id', '=', id).executeTakeFirstOrThrow()).metadataHttpTokens;
        assert.equal(await tokens(), null);
        await repos.instances.update({ accountId, admin: false }, id, { metadataHttpTokens: 'required' });
        assert.equal(await tokens(), 'required');
      } finally { await h.drop(); }
    });
  });
}
