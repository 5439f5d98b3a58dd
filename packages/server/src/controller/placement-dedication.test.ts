import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId, placeInstance, systemClock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { createRepos, type DatabaseHandle, type InstanceRow, type Repos } from '@kumo/db';
import { openTestDatabase, seedAccount, seedInfrastructure, testDialects } from '@kumo/db/testing';
import { PlacementService } from './placement.ts';
import { DedicationService } from '../services/dedication-service.ts';
import { findMigrationCandidates } from '../services/migration-candidates.ts';

const now = () => new Date().toISOString();
const admin = { accountId: 'acct-system', admin: true };

/** Zone > pod1/cluster1 (hosts h0, h1) and pod2/cluster2 (hosts h2, h3); dedication at each level, enforced by placement. */
for (const dialect of testDialects) {
  describe(`dedicated zones, pods, clusters and hosts on ${dialect}`, () => {
    let h: DatabaseHandle & { drop(): Promise<void> };
    let repos: Repos; let placement: PlacementService; let dedications: DedicationService;
    let zoneId: string; let pod1: string; let cluster1: string; let pod2: string; let cluster2: string; let hosts: string[];
    let a: string; let b: string; let c: string;
    const row = (accountId: string, extra: Partial<InstanceRow> = {}): InstanceRow => ({
      id: newId('instance'), accountId, name: 'vm', zoneId, podId: null, clusterId: null, hostId: null, poolId: null, imageId: null, imageVersionId: null,
      offeringId: null, keypairId: null, vcpus: 1, memoryMiB: 128, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'pending',
      task: 'scheduling', observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: now(), updatedAt: now(), deletedAt: null, ...extra,
    });
    const hostsFor = async (accountId: string) => {
      const r = placeInstance(await placement.loadHosts(zoneId), await placement.buildRequest(row(accountId)), 8);
      return r.ok ? r.candidates.map((x) => hosts.indexOf(x.hostId)).sort() : r.message;
    };
    const refused = (code: string) => (e: unknown) => e instanceof ApiError && e.code === code;

    before(async () => {
      h = await openTestDatabase(dialect);
      repos = createRepos(h.db);
      placement = new PlacementService(repos, systemClock);
      dedications = new DedicationService(repos);
      const infra = await seedInfrastructure(repos, { hosts: 4 });
      zoneId = infra.zoneId; pod1 = infra.podId; cluster1 = infra.clusterId; hosts = infra.hosts.map((x) => x.id);
      pod2 = newId('pod'); cluster2 = newId('cluster');
      await repos.pods.insert({ id: pod2, zoneId, name: 'pod2', createdAt: now() });
      await repos.clusters.insert({ id: cluster2, zoneId, podId: pod2, name: 'c2', hypervisor: 'fake', cpuOvercommit: 1, memoryOvercommit: 1, createdAt: now() });
      await h.db.updateTable('hosts').set({ podId: pod2, clusterId: cluster2 }).where('id', 'in', hosts.slice(2)).execute();
      await h.db.updateTable('pools').set({ clusterId: cluster2 }).where('hostId', 'in', hosts.slice(2)).execute();
      a = await seedAccount(repos, `a-${dialect}`); b = await seedAccount(repos, `b-${dialect}`); c = await seedAccount(repos, `c-${dialect}`);
    });
    after(async () => { await h.drop(); });

    test('a cluster dedicated to A takes only A, and A goes only there', async () => {
      assert.deepEqual(await hostsFor(b), [0, 1, 2, 3]);
      await dedications.dedicate(admin, 'cluster', cluster2, a);
      assert.deepEqual(await hostsFor(a), [2, 3]);
      assert.deepEqual(await hostsFor(b), [0, 1], 'an undedicated account cannot place on the dedicated cluster');
      assert.deepEqual((await dedications.list(admin)).map((d) => [d.kind, d.id, d.accountId]), [['cluster', cluster2, a]]);
    });

    test('a pod dedicated to B: C, with nothing of its own, finds no host; the error says dedication removed them', async () => {
      await dedications.dedicate(admin, 'pod', pod1, b);
      assert.deepEqual(await hostsFor(b), [0, 1]);
      const msg = await hostsFor(c);
      assert.equal(typeof msg, 'string');
      assert.match(msg as string, /dedication removed 4/);
    });

    test('overlapping dedications of another account are refused, naming the field; nothing changes', async () => {
      await assert.rejects(dedications.dedicate(admin, 'zone', zoneId, c), refused('conflict'));
      await assert.rejects(dedications.dedicate(admin, 'host', hosts[0] as string, a), refused('conflict'), 'its pod is B\'s');
      await assert.rejects(dedications.dedicate(admin, 'host', hosts[0] as string, 'acct-nobody00'), (e: ApiError) => (e.details as { field: string }).field === 'accountId');
      await assert.rejects(dedications.dedicate(admin, 'rack', pod1, a), (e: ApiError) => (e.details as { field: string }).field === 'kind');
      await assert.rejects(dedications.dedicate(admin, 'pod', newId('pod'), a), refused('not_found'));
      await assert.rejects(dedications.dedicate({ accountId: a, admin: false }, 'pod', pod1, a), refused('forbidden'));
      // The same account's host inside its own pod is fine.
      await dedications.dedicate(admin, 'host', hosts[1] as string, b);
      assert.equal((await dedications.list(admin)).length, 3);
    });

    test('migration rejects hosts dedicated through their cluster to another account', async () => {
      const inst = row(b, { hostId: hosts[0] as string, podId: pod1, clusterId: cluster1, phase: 'running' });
      await repos.instances.insert(inst);
      const r = await findMigrationCandidates(repos, inst, 'cold');
      assert.deepEqual(r.candidates.map((x) => hosts.indexOf(x.hostId)), [1]);
      for (const i of [2, 3]) assert.equal(r.rejected.find((x) => x.hostId === hosts[i])?.reason, 'it is dedicated to another account');
    });

    test('release makes them shared again; dedicating where another account\'s instances run is refused', async () => {
      await dedications.release(admin, 'host', hosts[1] as string);
      await dedications.release(admin, 'pod', pod1);
      assert.deepEqual(await hostsFor(c), [0, 1]);
      await assert.rejects(dedications.dedicate(admin, 'zone', zoneId, a), refused('in_use'), 'B\'s instance runs on h0');
      await assert.rejects(dedications.dedicate(admin, 'cluster', cluster1, c), (e: ApiError) => e.code === 'in_use' && (e.details as { instanceIds: string[] }).instanceIds.length === 1);
      await dedications.release(admin, 'cluster', cluster2);
      await h.db.updateTable('instances').set({ phase: 'deleted' }).where('accountId', '=', b).execute();
      await dedications.dedicate(admin, 'zone', zoneId, a);
      assert.deepEqual(await hostsFor(a), [0, 1, 2, 3], 'a dedicated zone: every host is A\'s');
      assert.match(await hostsFor(b) as string, /dedication removed 4/);
      await dedications.release(admin, 'zone', zoneId);
      assert.deepEqual(await dedications.list(admin), []);
    });
  });
}
