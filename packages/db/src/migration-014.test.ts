import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRepos } from './repos/index.ts';
import { openTestDatabase, seedInfrastructure, testDialects, withSchemaLock } from './testing/index.ts';
import * as m014 from './migrations/014-ha.ts';

/** Migration 014 on both dialects: hosts, instances and zones from before it get the HA defaults; down and up again. */
for (const dialect of testDialects) {
  describe(`migration 014 on ${dialect}`, () => {
    test('rows from before 014: no lease, not fenced, not HA, default zone settings; the columns round-trip', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const infra = await seedInfrastructure(repos, { hosts: 1 });
        await withSchemaLock(dialect, () => m014.down(h.db));
        await withSchemaLock(dialect, () => m014.up(h.db));
        const host = await repos.db.selectFrom('hosts').selectAll().where('id', '=', infra.hosts[0]!.id).executeTakeFirstOrThrow();
        assert.equal(host.fenceState, 'none');
        assert.equal(host.leaseExpiresAt, null);
        assert.equal(host.fenceGeneration, null);
        const zone = await repos.db.selectFrom('zones').selectAll().where('id', '=', infra.zoneId).executeTakeFirstOrThrow();
        assert.deepEqual([zone.haLeaseMs, zone.haFenceMarginMs, zone.haRestartConcurrency], [20_000, 5_000, 4]);
        await repos.db.updateTable('hosts').set({ fenceState: 'fenced', fencedAt: '2026-12-07T00:00:00.000Z', fenceMethod: 'rbd blocklist', fenceGeneration: 3 }).where('id', '=', host.id).execute();
        const after = await repos.db.selectFrom('hosts').select(['fenceState', 'fenceGeneration']).where('id', '=', host.id).executeTakeFirstOrThrow();
        assert.deepEqual(after, { fenceState: 'fenced', fenceGeneration: 3 });
      } finally { await h.drop(); }
    });
  });
}
