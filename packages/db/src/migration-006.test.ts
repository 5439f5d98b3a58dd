import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { createRepos } from './repos/index.ts';
import { openTestDatabase, seedAccount, seedInfrastructure, testDialects, withSchemaLock } from './testing/index.ts';
import * as m006 from './migrations/006-host-maintenance-volume-lifecycle.ts';

/** Migration 006 converts existing rows on both dialects: hosts' mixed state, volumes' single state. */
for (const dialect of testDialects) {
  describe(`migration 006 on ${dialect}`, () => {
    test('old host states split into liveness and admin state; volume states become phases; down restores them', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const infra = await seedInfrastructure(repos, { hosts: 3 });
        const accountId = await seedAccount(repos, 'tenant');
        await withSchemaLock(dialect, () => m006.down(h.db));
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows as they were before 006
        const old = h.db as unknown as Kysely<any>;
        const [a, b, c] = infra.hosts.map((x) => x.id);
        await old.updateTable('hosts').set({ state: 'maintenance', adminState: 'maintenance' }).where('id', '=', a).execute();
        await old.updateTable('hosts').set({ state: 'disabled', adminState: 'disabled' }).where('id', '=', b).execute();
        const volume = (id: string, state: string) => ({
          id, accountId, instanceId: null, poolId: infra.poolIds[0], kind: 'root', sizeGiB: 1, format: 'qcow2', provisioning: 'linked',
          path: `/p/${id}`, state, createdAt: '2026-12-07T00:00:00.000Z',
        });
        await old.insertInto('volumes').values([volume('vol-ready', 'ready'), volume('vol-allocated', 'allocated')]).execute();

        await withSchemaLock(dialect, () => m006.up(h.db));
        const hosts = new Map((await repos.db.selectFrom('hosts').select(['id', 'state', 'adminState']).execute()).map((r) => [r.id, r]));
        assert.deepEqual(hosts.get(a!), { id: a, state: 'disconnected', adminState: 'in-maintenance' });
        assert.deepEqual(hosts.get(b!), { id: b, state: 'disconnected', adminState: 'disabled' });
        assert.deepEqual(hosts.get(c!), { id: c, state: 'up', adminState: 'enabled' });
        const vols = new Map((await repos.db.selectFrom('volumes').selectAll().execute()).map((r) => [r.id, r]));
        assert.equal(vols.get('vol-ready')?.phase, 'ready');
        assert.equal(vols.get('vol-allocated')?.phase, 'pending');
        for (const v of vols.values()) {
          assert.equal(v.desired, 'ready');
          assert.equal(v.task, null);
          assert.equal(v.version, 1);
        }
        assert.deepEqual(await repos.volumes.unsettledIds(), ['vol-allocated'], 'the volume that was never made is unfinished work');
        const inst = await repos.db.selectFrom('instances').select('targetHostId').execute();
        assert.deepEqual(inst, [], 'target_host_id exists (the select would fail otherwise)');

        await withSchemaLock(dialect, () => m006.down(h.db));
        const back = await old.selectFrom('volumes').select(['id', 'state']).orderBy('id').execute();
        assert.deepEqual(back, [{ id: 'vol-allocated', state: 'allocated' }, { id: 'vol-ready', state: 'ready' }]);
        const backHost = await old.selectFrom('hosts').select(['state', 'adminState']).where('id', '=', a).executeTakeFirst();
        assert.deepEqual(backHost, { state: 'maintenance', adminState: 'maintenance' });
        await withSchemaLock(dialect, () => m006.up(h.db));
      } finally { await h.drop(); }
    });
  });
}
