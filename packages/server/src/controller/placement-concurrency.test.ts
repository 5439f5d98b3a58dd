import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId, systemClock } from '@kumo/core';
import { createRepos, type InstanceRow, type OperationRow, type Repos } from '@kumo/db';
import { openTestDatabase, seedAccount, seedInfrastructure, testDialects } from '@kumo/db/testing';
import { openDatabase } from '@kumo/db';
import { PlacementService } from './placement.ts';
import { volumePath } from './instance-spec.ts';

const now = () => new Date().toISOString();

/** A root volume id and the volume.create operation placement stores with it. */
function volumeWithOperation(accountId: string): [string, OperationRow] {
  const id = newId('volume');
  return [id, {
    id: newId('operation'), accountId, kind: 'volume.create', resourceType: 'volume', resourceId: id, status: 'pending', progress: 0, message: 'queued',
    params: '{}', errorCode: null, errorMessage: null, idempotencyKey: null, requestHash: null, createdAt: now(), startedAt: null, finishedAt: null, updatedAt: now(),
    progressDetail: null, cancelRequestedAt: null,
  }];
}

async function seedInstances(repos: Repos, zoneId: string, accountId: string, n: number): Promise<InstanceRow[]> {
  const imageId = newId('image'); const versionId = newId('imageVersion'); const offeringId = newId('offering');
  await repos.images.insert({ id: imageId, accountId, name: `img-${imageId.slice(-6)}`, description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now() });
  await repos.imageVersions.insert({ id: versionId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now() });
  await repos.offerings.insert({ id: offeringId, name: `o-${offeringId.slice(-6)}`, description: '', vcpus: 2, memoryMiB: 2048, rootDiskGiB: 10, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now() });
  const rows: InstanceRow[] = [];
  for (let i = 0; i < n; i++) {
    const row: InstanceRow = {
      id: newId('instance'), accountId, name: `vm${i}`, zoneId, podId: null, clusterId: null, hostId: null, poolId: null, imageId, imageVersionId: versionId,
      offeringId, keypairId: null, vcpus: 2, memoryMiB: 2048, rootDiskGiB: 10, hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'pending',
      task: 'scheduling', observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: now(), updatedAt: now(), deletedAt: null,
    };
    await repos.instances.insert(row);
    rows.push(row);
  }
  return rows;
}

for (const dialect of testDialects) {
  describe(`concurrent placement on ${dialect}`, () => {
    test('many placers at once never overbook a host', async () => {
      const h = await openTestDatabase(dialect);
      // A second, independent connection pool on the same database stands in for a second server process.
      const second = dialect === 'postgres'
        ? await openDatabase({ url: (h.location.split(' ')[0] ?? ''), pgSchema: /schema (\w+)/.exec(h.location)?.[1] ?? '', migrate: false })
        : null;
      try {
        const repos = createRepos(h.db);
        const acct = await seedAccount(repos, 'tenant');
        // 5 hosts × 8 CPUs / 8 GiB: room for 4 instances of 2 vCPU / 2 GiB each → 20 in all.
        const infra = await seedInfrastructure(repos, { hosts: 5, cpus: 8, memoryMiB: 8192 });
        const insts = await seedInstances(repos, infra.zoneId, acct, 40);
        const placers = [new PlacementService(repos, systemClock)];
        if (second) placers.push(new PlacementService(createRepos(second.db), systemClock));
        const results = await Promise.allSettled(insts.map((inst, i) =>
          placers[i % placers.length]!.placeAndBind(inst, volumePath, ...volumeWithOperation(acct))));
        const placed = results.filter((r) => r.status === 'fulfilled').length;
        assert.equal(placed, 20, 'exactly the capacity is placed');
        for (const r of results) {
          if (r.status === 'rejected') assert.match(String(r.reason), /no host fits|filled up/);
        }
        const hosts = await repos.db.selectFrom('hosts').selectAll().where('zoneId', '=', infra.zoneId).execute();
        for (const host of hosts) {
          assert.ok(host.cpuAllocated <= host.cpus, `host ${host.name} cpu ${host.cpuAllocated}/${host.cpus}`);
          assert.ok(host.memoryAllocatedMiB <= host.memoryMiB, `host ${host.name} memory`);
          const bound = await repos.db.selectFrom('instances').select((eb) => eb.fn.countAll<number>().as('n')).where('hostId', '=', host.id).executeTakeFirst();
          assert.equal(Number(bound?.n) * 2, host.cpuAllocated, 'reservations match the instances bound to the host');
        }
      } finally {
        await second?.close();
        await h.drop();
      }
    });
  });
}
