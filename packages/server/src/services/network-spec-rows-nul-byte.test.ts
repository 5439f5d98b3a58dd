import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRepos, type DatabaseHandle } from '@kumo/db';
import { openTestDatabase, seedInfrastructure, testDialects } from '@kumo/db/testing';
import { loadHostNetworkRows } from './network-spec-rows.ts';

/**
 * Bug: on PostgreSQL every network apply of a host with an empty id list (no NICs yet, instances
 * without a key pair, no security groups) failed with `invalid byte sequence for encoding "UTF8": 0x00`:
 * the stand-in for an empty `IN` list was a NUL byte, which PostgreSQL refuses in text.
 */
for (const dialect of testDialects) {
  describe(`network spec rows with empty id lists on ${dialect} (NUL byte refused by PostgreSQL)`, () => {
    let h: DatabaseHandle & { drop(): Promise<void> };
    let hostId: string;
    before(async () => {
      h = await openTestDatabase(dialect);
      const infra = await seedInfrastructure(createRepos(h.db), { hosts: 1 });
      hostId = infra.hosts[0]!.id;
    });
    after(async () => { await h.drop(); });

    test('a host without NICs, routers or key pairs loads its (empty) rows', async () => {
      const rows = await loadHostNetworkRows(h.db, hostId, 1);
      assert.equal(rows.hostId, hostId);
      assert.deepEqual([rows.nics, rows.networks, rows.keypairs, rows.offerings, rows.securityGroups], [[], [], [], [], []]);
      assert.equal(rows.hosts.length, 1);
    });
  });
}
