import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { migrationsBefore } from './migrate.ts';
import type { DatabaseHandle } from './open-database.ts';
import { createRepos } from './repos/index.ts';
import type { Database } from './schema.ts';
import { seedAccount, seedInfrastructure } from './testing/fixtures.ts';
import { openTestDatabase, testDialects, withSchemaLock } from './testing/test-databases.ts';

// Everything before 008 (the fixtures below write today's columns of earlier migrations).
const before008: Record<string, Migration> = migrationsBefore('008');

async function openUnmigrated(dialect: 'sqlite' | 'postgres'): Promise<{ h: DatabaseHandle; drop(): Promise<void> }> {
  const h = await openTestDatabase(dialect, { migrate: false });
  return { h, drop: () => h.drop() };
}

// Migration 008 on a database that already holds instances (with NICs, volumes, affinity groups
// pointing at them): SQLite rebuilds the instances table, PostgreSQL alters it in place.
for (const dialect of testDialects) {
  describe(`migration 008 on ${dialect}`, () => {
    test('upgrades a database with instances: rows, children and indexes kept, references nullable', async () => {
      const { h, drop } = await openUnmigrated(dialect);
      try {
        const db = h.db as Kysely<Database>;
        const first = new Migrator({
          db, provider: { getMigrations: () => Promise.resolve(before008) }, migrationTableName: 'kumo_migrations', migrationLockTableName: 'kumo_migrations_lock',
          ...(h.pgSchema ? { migrationTableSchema: h.pgSchema } : {}),
        });
        const r = await withSchemaLock(dialect, () => first.migrateToLatest());
        assert.equal(r.error, undefined);
        const repos = createRepos(db);
        const infra = await seedInfrastructure(repos, { hosts: 1 });
        const acct = await seedAccount(repos, 'old');
        const now = new Date().toISOString();
        /* eslint-disable @typescript-eslint/no-explicit-any -- rows as the schema was before 008 */
        const old = db as Kysely<any>;
        await old.insertInto('images').values({ id: 'image-a', accountId: acct, name: 'a', description: '', kind: 'template', public: 0, osType: 'linux', minDiskGiB: 1, createdAt: now }).execute();
        await old.insertInto('imageVersions').values({ id: 'imgv-a', imageId: 'image-a', version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a', state: 'ready', cmdline: '', storagePath: '', createdAt: now }).execute();
        await old.insertInto('offerings').values({ id: 'off-a', name: 'a', description: '', vcpus: 1, memoryMiB: 1, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 1, createdAt: now }).execute();
        await old.insertInto('instances').values({
          id: 'i-a', accountId: acct, name: 'vm', zoneId: infra.zoneId, podId: null, clusterId: null, hostId: infra.hosts[0]!.id, poolId: infra.poolIds[0]!,
          imageId: 'image-a', imageVersionId: 'imgv-a', offeringId: 'off-a', keypairId: null, vcpus: 1, memoryMiB: 1, rootDiskGiB: 1, hostTags: '[]', userData: 'hello',
          configDrive: 1, desired: 'running', phase: 'running', task: null, observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]',
          version: 7, createdAt: now, updatedAt: now, deletedAt: null,
        }).execute();
        await old.insertInto('volumes').values({ id: 'vol-a', accountId: acct, instanceId: 'i-a', poolId: infra.poolIds[0]!, kind: 'root', sizeGiB: 1, format: 'qcow2', provisioning: 'linked', path: '/x', createdAt: now,
          desired: 'ready', phase: 'ready', task: null, observedState: null, observedAt: null, errorReason: null, version: 1, updatedAt: now }).execute();
        /* eslint-enable @typescript-eslint/no-explicit-any */

        const indexNames = async () => (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'instances' and sql is not null order by name`.execute(db)).rows.map((r) => r.name);
        const indexesBefore = dialect === 'sqlite' ? await indexNames() : [];
        // Up to 008 only: later migrations change the instances table again (010 adds an index).
        const upTo008 = new Migrator({
          db, provider: { getMigrations: () => Promise.resolve(migrationsBefore('009')) }, migrationTableName: 'kumo_migrations', migrationLockTableName: 'kumo_migrations_lock',
          ...(h.pgSchema ? { migrationTableSchema: h.pgSchema } : {}),
        });
        const applied = await withSchemaLock(dialect, () => upTo008.migrateToLatest());
        assert.deepEqual(applied.results?.map((x) => x.migrationName), ['008-nullable-instance-refs-router-reason']);

        const inst = await repos.instances.getAny('i-a');
        assert.deepEqual([inst?.name, inst?.userData, inst?.configDrive, inst?.version, inst?.imageId], ['vm', 'hello', 1, 7, 'image-a']);
        assert.equal((await repos.instances.onHost(infra.hosts[0]!.id)).length, 1);
        // References may now be null, and the foreign keys still hold.
        await db.updateTable('instances').set({ imageId: null, imageVersionId: null, offeringId: null }).where('id', '=', 'i-a').execute();
        await assert.rejects(db.updateTable('instances').set({ imageId: 'image-missing' }).where('id', '=', 'i-a').execute());
        await assert.rejects(db.deleteFrom('instances').where('id', '=', 'i-a').execute(), 'the volume still points at the instance');
        if (dialect === 'sqlite') {
          assert.ok(indexesBefore.includes('instances_account') && indexesBefore.includes('instances_unsettled'));
          assert.deepEqual(await indexNames(), indexesBefore, 'the rebuilt table has every index it had');
          const fk = await sql`PRAGMA foreign_keys`.execute(db);
          assert.deepEqual(fk.rows, [{ foreignKeys: 1 }], 'foreign keys are on again');
        }
      } finally { await drop(); }
    });
  });
}
