import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId, systemClock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { createRepos, type DatabaseHandle, type Repos, type Scope } from '@kumo/db';
import { openTestDatabase, seedAccount, seedInfrastructure, seedInstance, testDialects } from '@kumo/db/testing';
import { Notifier } from './notifier.ts';
import { EventLog } from './event-log.ts';
import { InstanceResizeService } from './instance-resize-service.ts';

const now = () => new Date().toISOString();
const refused = (code: string, field?: string) => (e: unknown) => e instanceof ApiError && e.code === code && (field === undefined || (e.details as { field?: string; resource?: string }).field === field || (e.details as { resource?: string }).resource === field);

/** Resize on both dialects, with real rows: the state check, quota, host capacity and the reservation bookkeeping. */
for (const dialect of testDialects) {
  describe(`instance resize on ${dialect}`, () => {
    let h: DatabaseHandle & { drop(): Promise<void> };
    let repos: Repos;
    let resizer: InstanceResizeService;
    let hostId: string; let zoneId: string; let accountId: string; let scope: Scope;
    const offerings: Record<string, string> = {};

    /** A stopped instance placed on the host, its 1 vCPU / 512 MiB reserved there. */
    async function stoppedInstance(phase: 'stopped' | 'running' = 'stopped'): Promise<string> {
      const id = await seedInstance(repos, accountId, zoneId);
      await repos.instances.update(scope, id, { hostId, phase, desired: phase, offeringId: offerings.small! });
      assert.equal(await repos.db.transaction().execute((trx) => repos.hosts.adjustReservation(trx, hostId, { vcpus: 1, memoryMiB: 512 })), true);
      return id;
    }
    const allocated = async () => {
      const row = (await repos.hosts.getAny(hostId))!;
      return [row.cpuAllocated, row.memoryAllocatedMiB];
    };

    before(async () => {
      h = await openTestDatabase(dialect);
      repos = createRepos(h.db);
      const infra = await seedInfrastructure(repos, { hosts: 1, cpus: 8, memoryMiB: 8192 });
      hostId = infra.hosts[0]!.id; zoneId = infra.zoneId;
      accountId = await seedAccount(repos, `resize-${dialect}`);
      scope = { accountId, admin: false };
      for (const [name, vcpus, memoryMiB] of [['small', 1, 512], ['large', 2, 1024], ['huge', 8, 8192]] as const) {
        const id = newId('offering');
        await repos.offerings.insert({ id, name: `${name}-${dialect}`, description: '', vcpus, memoryMiB, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now() });
        offerings[name] = id;
      }
      const notifier = new Notifier();
      resizer = new InstanceResizeService(repos, new EventLog(repos, systemClock, notifier), notifier, systemClock);
    });
    after(async () => { await h.drop(); });

    test('a stopped instance takes the new offering\'s size; the host reservation follows, up and down', async () => {
      const id = await stoppedInstance();
      const before = await allocated();
      const row = await resizer.resize(scope, id, offerings.large!);
      assert.deepEqual([row.offeringId, row.vcpus, row.memoryMiB, row.rootDiskGiB], [offerings.large, 2, 1024, 1]);
      assert.deepEqual(await allocated(), [before[0]! + 1, before[1]! + 512]);
      await resizer.resize(scope, id, offerings.small!);
      assert.deepEqual(await allocated(), before);
      const events = await h.db.selectFrom('events').select('kind').where('resourceId', '=', id).execute();
      assert.equal(events.filter((e) => e.kind === 'instance.resized').length, 2);
    });

    test('a running instance is refused (invalid_state) and nothing changes', async () => {
      const id = await stoppedInstance('running');
      const before = await allocated();
      await assert.rejects(resizer.resize(scope, id, offerings.large!), refused('invalid_state'));
      assert.equal((await repos.instances.get(scope, id))!.vcpus, 1);
      assert.deepEqual(await allocated(), before);
    });

    test('past the account\'s vCPU quota: quota_exceeded, nothing changes', async () => {
      const id = await stoppedInstance();
      const used = await repos.quotas.useOfAccount(accountId);
      await repos.quotas.put({ ownerKind: 'account', ownerId: accountId, instances: null, vcpus: used.vcpus, memoryMiB: null, volumes: null, volumeGiB: null, snapshots: null, publicIps: null, networks: null, updatedAt: now() });
      try {
        const before = await allocated();
        await assert.rejects(resizer.resize(scope, id, offerings.large!), refused('quota_exceeded', 'vcpus'));
        assert.equal((await repos.instances.get(scope, id))!.offeringId, offerings.small);
        assert.deepEqual(await allocated(), before);
        const smaller = await resizer.resize(scope, id, offerings.small!); // no growth: allowed at the limit
        assert.equal(smaller.vcpus, 1);
      } finally {
        await repos.quotas.put({ ownerKind: 'account', ownerId: accountId, instances: null, vcpus: null, memoryMiB: null, volumes: null, volumeGiB: null, snapshots: null, publicIps: null, networks: null, updatedAt: now() });
      }
    });

    test('more than the host holds: no_capacity, nothing changes', async () => {
      const id = await stoppedInstance();
      const before = await allocated();
      await assert.rejects(resizer.resize(scope, id, offerings.huge!), refused('no_capacity', 'offeringId'));
      assert.equal((await repos.instances.get(scope, id))!.offeringId, offerings.small);
      assert.deepEqual(await allocated(), before);
    });

    test('an unknown offering names the field; another account\'s instance is not found', async () => {
      const id = await stoppedInstance();
      await assert.rejects(resizer.resize(scope, id, 'offering-00000000000000000000'), refused('bad_request', 'offeringId'));
      const other = { accountId: await seedAccount(repos, `other-${dialect}`), admin: false };
      await assert.rejects(resizer.resize(other, id, offerings.large!), refused('not_found'));
    });
  });
}
