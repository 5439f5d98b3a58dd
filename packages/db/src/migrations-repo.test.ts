import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRepos } from './repos/index.ts';
import { openTestDatabase, seedAccount, seedInfrastructure, seedInstance, testDialects } from './testing/index.ts';
import type { MigrationRow } from './schema.ts';

/** Migration 013's tables on both dialects: attempts with compare-and-swap, history scoped by tenant, zone policies with defaults. */
for (const dialect of testDialects) {
  describe(`migrations repository on ${dialect}`, () => {
    test('attempts: one unfinished per instance found, CAS writes, per-host counts, tenant-scoped history', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const infra = await seedInfrastructure(repos, { hosts: 2 });
        const acct = await seedAccount(repos, 'tenant');
        const other = await seedAccount(repos, 'other');
        const inst = await seedInstance(repos, acct, infra.zoneId);
        const now = new Date().toISOString();
        const row: MigrationRow = {
          id: 'mig-1', accountId: acct, instanceId: inst, operationId: 'op-1', mode: 'live', attempt: 1, sourceHostId: infra.hosts[0]!.id,
          targetHostId: null, requestedHostId: null, excludedHostIds: '[]', state: 'pending', endpoint: null, stats: null, result: null, error: null,
          version: 1, createdAt: now, startedAt: null, finishedAt: null, updatedAt: now,
        };
        await repos.migrations.insert(row);
        assert.equal((await repos.migrations.activeFor(inst))?.id, 'mig-1');
        assert.deepEqual(await repos.migrations.unfinishedInstanceIds(), [inst]);
        const v = await repos.migrations.compareAndSwap('mig-1', 1, { state: 'preparing', targetHostId: infra.hosts[1]!.id }, now);
        assert.equal(v, 2);
        assert.equal(await repos.migrations.compareAndSwap('mig-1', 1, { state: 'failed' }, now), null, 'a stale version writes nothing');
        assert.equal(await repos.migrations.activeOnHost(infra.hosts[1]!.id), 1);
        await repos.migrations.compareAndSwap('mig-1', 2, { state: 'succeeded', result: '{"downtimeMs":5}' }, now);
        assert.equal(await repos.migrations.activeFor(inst), undefined);
        assert.equal(await repos.migrations.activeOnHost(infra.hosts[1]!.id), 0);
        assert.equal((await repos.migrations.listOfInstance({ accountId: acct, admin: false }, inst)).length, 1);
        assert.equal((await repos.migrations.listOfInstance({ accountId: other, admin: false }, inst)).length, 0, 'another tenant sees none');
      } finally { await h.drop(); }
    });

    test('a zone without its own policy gets the defaults; a change keeps the other settings', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const infra = await seedInfrastructure(repos, { hosts: 1 });
        const p = await repos.migrations.policy(infra.zoneId);
        assert.equal(p.downtimeLimitMs, 300);
        assert.equal(p.postcopyAfterPasses, null);
        await repos.migrations.setPolicy(infra.zoneId, { downtimeLimitMs: 50, postcopyAfterPasses: 4 }, new Date().toISOString());
        await repos.migrations.setPolicy(infra.zoneId, { maxPerHost: 5 }, new Date().toISOString());
        const q = await repos.migrations.policy(infra.zoneId);
        assert.deepEqual([q.downtimeLimitMs, q.postcopyAfterPasses, q.maxPerHost, q.autoConverge], [50, 4, 5, 1]);
      } finally { await h.drop(); }
    });
  });
}
