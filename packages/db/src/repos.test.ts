import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@kumo/core';
import { createRepos, type Repos } from './repos/index.ts';
import { openTestDatabase, testDialects } from './testing/test-databases.ts';
import { seedAccount, seedInfrastructure } from './testing/fixtures.ts';
import type { Scope } from './scope.ts';

const now = () => new Date().toISOString();

// One conformance suite, run against every dialect (kysely's DIALECTS loop).
for (const dialect of testDialects) {
  describe(`repositories on ${dialect}`, () => {
    let repos: Repos;
    let drop: () => Promise<void>;
    before(async () => {
      const h = await openTestDatabase(dialect);
      repos = createRepos(h.db);
      drop = h.drop;
    });
    after(async () => { await drop(); });

    test('tenant scoping: an account sees only its own key pairs; admin sees all', async () => {
      const a = await seedAccount(repos, 'alice'); const b = await seedAccount(repos, 'bob');
      for (const [acct, name] of [[a, 'k1'], [b, 'k2']] as const) {
        await repos.keypairs.insert({ id: newId('keypair'), accountId: acct, name, publicKey: 'ssh-ed25519 AAAA', fingerprint: 'f', createdAt: now() });
      }
      const sa: Scope = { accountId: a, admin: false };
      const page = await repos.keypairs.list(sa, {});
      assert.deepEqual(page.items.map((k) => k.name), ['k1']);
      const bobs = (await repos.keypairs.list({ accountId: b, admin: false }, {})).items[0];
      assert.ok(bobs);
      assert.equal(await repos.keypairs.get(sa, bobs.id), undefined, 'alice cannot read bob\'s key');
      assert.equal(await repos.keypairs.delete(sa, bobs.id), false, 'alice cannot delete bob\'s key');
      assert.equal((await repos.keypairs.list({ accountId: a, admin: true }, {})).items.length, 2);
    });

    test('keyset pagination walks every row once, in both directions and by another field', async () => {
      for (let i = 0; i < 25; i++) {
        await repos.zones.insert({ id: newId('zone'), name: `zone-${String(i).padStart(2, '0')}`, description: '', placementStrategy: 'spread', createdAt: now() });
      }
      for (const sort of ['id', '-id', 'name', '-name']) {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const p = await repos.zones.list({ accountId: 'x', admin: true }, { limit: 7, cursor, sort });
          seen.push(...p.items.map((z) => z.name));
          cursor = p.nextCursor ?? undefined; pages++;
        } while (cursor);
        assert.equal(seen.length, 25, sort);
        assert.equal(new Set(seen).size, 25, sort);
        assert.equal(pages, 4);
        const sorted = [...seen].sort();
        assert.deepEqual(seen, sort.startsWith('-') ? sorted.reverse() : sorted, sort);
      }
      await assert.rejects(repos.zones.list({ accountId: 'x', admin: true }, { sort: 'secret' }), /sort must be one of/);
      await assert.rejects(repos.zones.list({ accountId: 'x', admin: true }, { cursor: 'garbage' }), /cursor/);
    });

    test('namePrefix lists names that start with it, case-sensitive, on every dialect', async () => {
      for (const name of ['pre_a', 'pre_b', 'preXc', 'PRE_d', 'other']) {
        await repos.zones.insert({ id: newId('zone'), name, description: '', placementStrategy: 'spread', createdAt: now() });
      }
      const names = async (namePrefix: string) => (await repos.zones.list({ accountId: 'x', admin: true }, { sort: 'name' }, { namePrefix })).items.map((z) => z.name);
      assert.deepEqual(await names('pre_'), ['pre_a', 'pre_b'], '_ is not a wildcard');
      assert.deepEqual(await names('pre'), ['preXc', 'pre_a', 'pre_b']);
      assert.deepEqual(await names('PRE'), ['PRE_d']);
    });

    test('compare-and-swap: the second writer with a stale version loses', async () => {
      const acct = await seedAccount(repos, 'cas');
      const infra = await seedInfrastructure(repos, { hosts: 1 });
      const imageId = newId('image'); const verId = newId('imageVersion'); const offId = newId('offering');
      await repos.images.insert({ id: imageId, accountId: acct, name: 'img', description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now() });
      await repos.imageVersions.insert({ id: verId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now() });
      await repos.offerings.insert({ id: offId, name: `o-${offId.slice(-5)}`, description: '', vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now() });
      const id = newId('instance');
      await repos.instances.insert({
        id, accountId: acct, name: 'vm', zoneId: infra.zoneId, podId: null, clusterId: null, hostId: null, poolId: null,
        imageId, imageVersionId: verId, offeringId: offId, keypairId: null, vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0,
        desired: 'running', phase: 'pending', task: 'scheduling', observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]',
        version: 1, createdAt: now(), updatedAt: now(), deletedAt: null,
      });
      const [r1, r2] = await Promise.all([
        repos.instances.compareAndSwap(id, 1, { phase: 'stopped' }, now()),
        repos.instances.compareAndSwap(id, 1, { phase: 'error' }, now()),
      ]);
      assert.deepEqual([r1, r2].filter((x) => x === 2), [2], 'exactly one writer wins');
      assert.ok([r1, r2].includes(null));
      const row = await repos.instances.getAny(id);
      assert.equal(row?.version, 2);
    });

    test('concurrent reservations never overbook a host', async () => {
      const infra = await seedInfrastructure(repos, { hosts: 1, cpus: 4, memoryMiB: 4096 });
      const host = infra.hosts[0]!; const poolId = infra.poolIds[0]!;
      // 20 concurrent 1-vCPU/1 GiB reservations, each in its own transaction; only 4 fit.
      const results = await Promise.all(Array.from({ length: 20 }, () =>
        repos.db.transaction().execute((trx) => repos.hosts.reserve(trx, { hostId: host.id, poolId, vcpus: 1, memoryMiB: 1024, diskGiB: 10 }))));
      assert.equal(results.filter(Boolean).length, 4);
      const after = await repos.hosts.get({ accountId: 'x', admin: true }, host.id);
      assert.equal(after?.cpuAllocated, 4);
      assert.equal(after?.memoryAllocatedMiB, 4096);
      const pool = await repos.pools.get({ accountId: 'x', admin: true }, poolId);
      assert.equal(pool?.allocatedGiB, 40);
      await repos.db.transaction().execute((trx) => repos.hosts.release(trx, { hostId: host.id, poolId, vcpus: 1, memoryMiB: 1024, diskGiB: 10 }));
      const released = await repos.hosts.get({ accountId: 'x', admin: true }, host.id);
      assert.equal(released?.cpuAllocated, 3);
    });

    test('a pool that is full refuses the reservation and the host part is rolled back', async () => {
      const infra = await seedInfrastructure(repos, { hosts: 1, cpus: 4, memoryMiB: 4096 });
      const ok = await repos.db.transaction().execute((trx) => repos.hosts.reserve(trx, { hostId: infra.hosts[0]!.id, poolId: infra.poolIds[0]!, vcpus: 1, memoryMiB: 256, diskGiB: 5000 }));
      assert.equal(ok, false);
      const h = await repos.hosts.get({ accountId: 'x', admin: true }, infra.hosts[0]!.id);
      assert.equal(h?.cpuAllocated, 0);
    });

    test('an idempotency key is unique per account', async () => {
      const acct = await seedAccount(repos, 'idem');
      const op = (id: string) => ({
        id, accountId: acct, kind: 'instance.create', resourceType: 'instance', resourceId: 'i-x', status: 'pending' as const, progress: 0, message: '',
        params: '{}', errorCode: null, errorMessage: null, idempotencyKey: 'k1', requestHash: 'h', createdAt: now(), startedAt: null, finishedAt: null, updatedAt: now(),
        progressDetail: null, cancelRequestedAt: null,
      });
      await repos.operations.insert(op(newId('operation')));
      await assert.rejects(repos.operations.insert(op(newId('operation'))));
      assert.equal((await repos.operations.byIdempotencyKey(acct, 'k1'))?.requestHash, 'h');
    });
  });
}
