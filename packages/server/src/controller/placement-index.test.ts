import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId, systemClock } from '@kumo/core';
import { createRepos, type OperationRow, type Repos } from '@kumo/db';
import { openTestDatabase, seedAccount, seedInfrastructure, seedInstance, testDialects } from '@kumo/db/testing';
import { PlacementService } from './placement.ts';
import { volumePath } from './instance-spec.ts';

const now = () => new Date().toISOString();

function createOperation(accountId: string, volumeId: string): OperationRow {
  return {
    id: newId('operation'), accountId, kind: 'volume.create', resourceType: 'volume', resourceId: volumeId, status: 'pending', progress: 0, message: 'queued',
    params: '{}', errorCode: null, errorMessage: null, idempotencyKey: null, requestHash: null, createdAt: now(), startedAt: null, finishedAt: null, updatedAt: now(),
    progressDetail: null, cancelRequestedAt: null,
  };
}

async function placeNew(repos: Repos, placement: PlacementService, accountId: string, zoneId: string): Promise<string> {
  const id = await seedInstance(repos, accountId, zoneId);
  const inst = await repos.instances.getAny(id);
  const volumeId = newId('volume');
  const { placement: p } = await placement.placeAndBind(inst!, volumePath, volumeId, createOperation(accountId, volumeId));
  return p.hostId;
}

for (const dialect of testDialects) {
  describe(`placement from the long-lived capacity index on ${dialect}`, () => {
    test('stale_index_places_only_where_the_database_allows: hosts changed behind the index (maintenance, dedicated, down) get nothing', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const acct = await seedAccount(repos, 'tenant');
        const other = await seedAccount(repos, 'other');
        const infra = await seedInfrastructure(repos, { hosts: 4, cpus: 8, memoryMiB: 8192 });
        const placement = new PlacementService(repos, systemClock);
        await placeNew(repos, placement, acct, infra.zoneId); // loads the index
        const [a, b, c, d] = infra.hosts.map((x) => x.id);
        // Written straight to the database: no notifier, the index still sees four open hosts.
        await h.db.updateTable('hosts').set({ adminState: 'in-maintenance' }).where('id', '=', a!).execute();
        await h.db.updateTable('hosts').set({ dedicatedAccountId: other }).where('id', '=', b!).execute();
        await h.db.updateTable('hosts').set({ state: 'down' }).where('id', '=', c!).execute();
        const before = await h.db.selectFrom('instances').select(['hostId']).where('hostId', 'in', [a!, b!, c!]).execute();
        for (let i = 0; i < 4; i++) assert.equal(await placeNew(repos, placement, acct, infra.zoneId), d, 'only the host the database still allows');
        const after = await h.db.selectFrom('instances').select(['hostId']).where('hostId', 'in', [a!, b!, c!]).execute();
        assert.equal(after.length, before.length, 'nothing new on the changed hosts');
        const index = await placement.index.current();
        assert.equal(index.getHost(a!)?.state, 'maintenance', 'the index re-read the host that refused');
      } finally {
        await h.drop();
      }
    });

    test('host_added_after_the_index_was_read_takes_placements_once_the_others_are_full', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const acct = await seedAccount(repos, 'tenant');
        const infra = await seedInfrastructure(repos, { hosts: 1, cpus: 2, memoryMiB: 8192 });
        const placement = new PlacementService(repos, systemClock);
        await placeNew(repos, placement, acct, infra.zoneId);
        await placeNew(repos, placement, acct, infra.zoneId);
        const late = { ...infra.hosts[0]!, id: newId('host'), name: 'late', address: '10.0.0.99' };
        await repos.hosts.insert(late);
        await repos.pools.insert({ id: newId('pool'), zoneId: infra.zoneId, clusterId: infra.clusterId, hostId: late.id, name: 'local-late', kind: 'local', path: '/var/lib/kumo/pools/late', capacityGiB: 1000, allocatedGiB: 0, usedGiB: 0, overcommit: 1, createdAt: now() });
        assert.equal(await placeNew(repos, placement, acct, infra.zoneId), late.id);
      } finally {
        await h.drop();
      }
    });

    test('concurrent_placements_spread_instead_of_piling_on_one_host: each counts its reservation before the next ranks', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const acct = await seedAccount(repos, 'tenant');
        const infra = await seedInfrastructure(repos, { hosts: 4, cpus: 8, memoryMiB: 8192 });
        const placement = new PlacementService(repos, systemClock);
        await placement.index.current();
        const hosts = await Promise.all(Array.from({ length: 4 }, () => placeNew(repos, placement, acct, infra.zoneId)));
        assert.equal(new Set(hosts).size, 4, `spread over all four hosts, got ${hosts.join(', ')}`);
      } finally {
        await h.drop();
      }
    });

    test('the index counts each placement as the database does', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const acct = await seedAccount(repos, 'tenant');
        const infra = await seedInfrastructure(repos, { hosts: 3, cpus: 8, memoryMiB: 8192 });
        const placement = new PlacementService(repos, systemClock);
        await Promise.all(Array.from({ length: 12 }, () => placeNew(repos, placement, acct, infra.zoneId)));
        const index = await placement.index.current();
        for (const row of await h.db.selectFrom('hosts').selectAll().execute()) {
          const held = index.getHost(row.id)!;
          assert.equal(held.cpuAllocated, row.cpuAllocated, `host ${row.name} cpu`);
          assert.equal(held.memoryAllocatedMiB, row.memoryAllocatedMiB, `host ${row.name} memory`);
        }
        const pools = await h.db.selectFrom('pools').selectAll().execute();
        for (const pool of pools) {
          const held = index.getHost(pool.hostId!)!.pools.find((p) => p.id === pool.id)!;
          assert.equal(held.allocatedGiB, pool.allocatedGiB, `pool ${pool.name}`);
        }
      } finally {
        await h.drop();
      }
    });
  });
}
