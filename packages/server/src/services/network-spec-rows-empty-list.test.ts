import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, seedInfrastructure, testDialects } from '@kumo/db/testing';
import { createRepos } from '@kumo/db';
import { loadHostNetworkRows } from './network-spec-rows.ts';

/**
 * Regression: a host's network rows could not be read on PostgreSQL while one of the lists it
 * filters by was empty ("invalid byte sequence for encoding UTF8: 0x00": the empty-list placeholder
 * was a NUL character), so the network reconciler never applied a host with no guests there.
 */
for (const dialect of testDialects) {
  describe(`network spec rows with empty lists on ${dialect}`, () => {
    test('a host with no instances and no routers reads as empty, not as an error', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const infra = await seedInfrastructure(createRepos(h.db), { hosts: 1 });
        const rows = await loadHostNetworkRows(h.db, infra.hosts[0]!.id, 1);
        assert.deepEqual(rows.nics, []);
        assert.deepEqual(rows.networks, []);
      } finally {
        await h.drop();
      }
    });
  });
}
