import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, type Kysely } from 'kysely';
import { migrateToLatest, migrationsBefore } from './migrate.ts';
import type { DatabaseHandle } from './open-database.ts';
import { createRepos } from './repos/index.ts';
import type { Database } from './schema.ts';
import { seedInfrastructure } from './testing/fixtures.ts';
import * as m011 from './migrations/011-metrics.ts';
import { openTestDatabase, testDialects, withSchemaLock } from './testing/test-databases.ts';

async function openUnmigrated(dialect: 'sqlite' | 'postgres'): Promise<{ h: DatabaseHandle; drop(): Promise<void> }> {
  const h = await openTestDatabase(dialect, { migrate: false });
  return { h, drop: () => h.drop() };
}

for (const dialect of testDialects) {
  describe(`migration 011 on ${dialect}`, () => {
    test('adds the metric store to a database with hosts; samples round-trip with 64-bit times; down removes it', async () => {
      const { h, drop } = await openUnmigrated(dialect);
      try {
        const db = h.db as Kysely<Database>;
        const before = migrationsBefore('011');
        const first = new Migrator({
          db, provider: { getMigrations: () => Promise.resolve(before) }, migrationTableName: 'kumo_migrations', migrationLockTableName: 'kumo_migrations_lock',
          ...(h.pgSchema ? { migrationTableSchema: h.pgSchema } : {}),
        });
        assert.equal((await withSchemaLock(dialect, () => first.migrateToLatest())).error, undefined);
        const repos = createRepos(db);
        const infra = await seedInfrastructure(repos, { hosts: 1 });
        const applied = await withSchemaLock(dialect, () => migrateToLatest(db, h.pgSchema));
        assert.ok(applied.includes('011-metrics'), applied.join(','));
        const hostId = infra.hosts[0]!.id;
        const at = 4_102_444_800; // 2100-01-01: past 32-bit seconds
        await repos.metrics.insert([{
          resourceId: hostId, step: 10, at, resourceKind: 'host', hostId, cpuPct: 12.5, cpuPctMax: 12.5, memoryBytes: 3 * 2 ** 33,
          cpuIowaitPct: 1, cpuStealPct: 0, load1: 0.25, memoryTotalBytes: 2 ** 36, poolUsedPct: 40,
          diskReadBps: null, diskWriteBps: null, diskReadIops: null, diskWriteIops: null, netRxBps: 1, netTxBps: 2, netRxPps: null, netTxPps: null, netDropsPs: null,
          guestMemoryUsedBytes: null, diskReadLatencyMs: null, diskWriteLatencyMs: null,
        }]);
        const rows = await repos.metrics.recent('host', at - 1);
        assert.equal(rows.length, 1);
        assert.deepEqual([rows[0]!.at, rows[0]!.memoryBytes, rows[0]!.cpuPct, rows[0]!.diskReadBps], [at, 3 * 2 ** 33, 12.5, null]);
        assert.equal(typeof rows[0]!.at, 'number');
        // Down to the migration before 011 (later ones go first; regression: this test assumed 011 was the last).
        const down = new Migrator({
          db, provider: { getMigrations: () => Promise.resolve({ ...migrationsBefore('999'), '011-metrics': m011 }) },
          migrationTableName: 'kumo_migrations', migrationLockTableName: 'kumo_migrations_lock', ...(h.pgSchema ? { migrationTableSchema: h.pgSchema } : {}),
        });
        const lastBefore = Object.keys(before).sort().at(-1)!;
        assert.equal((await withSchemaLock(dialect, () => down.migrateTo(lastBefore))).error, undefined);
        await assert.rejects(repos.metrics.count(), 'the table is gone');
      } finally { await drop(); }
    });
  });
}
