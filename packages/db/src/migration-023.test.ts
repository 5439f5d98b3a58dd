import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, type Migration } from 'kysely';
import { migrateToLatest, migrationsWithout } from './migrate.ts';
import { createRepos } from './repos/index.ts';
import { openTestDatabase, seedAccount, testDialects, withSchemaLock } from './testing/index.ts';

/**
 * Migration 023 (tenancy) upgrades a database that already ran 024: parallel branches hand out
 * numbers, so a lower one can land after a higher one ran. Existing accounts land in ROOT, enabled.
 */
for (const dialect of testDialects) {
  describe(`migration 023 on ${dialect}`, () => {
    test('a database migrated without 023 (but with 024) upgrades; its accounts land in ROOT, enabled, kind user', async () => {
      const h = await openTestDatabase(dialect, { migrate: false });
      try {
        const schema = dialect === 'postgres' ? /schema (\w+)/.exec(h.location)?.[1] : undefined;
        const without = new Migrator({
          db: h.db, migrationTableName: 'kumo_migrations', migrationLockTableName: 'kumo_migrations_lock', ...(schema ? { migrationTableSchema: schema } : {}),
          provider: { getMigrations: (): Promise<Record<string, Migration>> => Promise.resolve(migrationsWithout('023-tenancy-domains-projects-roles')) },
        });
        const first = await withSchemaLock(dialect, () => without.migrateToLatest());
        assert.equal(first.error, undefined, String(first.error));
        const repos = createRepos(h.db);
        const id = await seedAccount(repos, 'before-tenancy');
        const ran = await withSchemaLock(dialect, () => migrateToLatest(h.db, schema));
        assert.deepEqual(ran, ['023-tenancy-domains-projects-roles']);
        const a = await repos.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        assert.deepEqual([a.domainId, a.state, a.kind, a.roleId], ['domain-root', 'enabled', 'user', null]);
        assert.deepEqual((await repos.roles.list({ accountId: 'x', admin: true }, { limit: 10, sort: 'name' })).items.map((r) => r.name), ['domain-admin', 'read-only', 'root-admin', 'user']);
      } finally {
        await h.drop();
      }
    });
  });
}
