import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId, systemClock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { createRepos, openDatabase, type DatabaseHandle, type Repos } from '@kumo/db';
import { openTestDatabase, seedAccount, seedInfrastructure, testDialects } from '@kumo/db/testing';
import { Notifier } from './notifier.ts';
import { EventLog } from './event-log.ts';
import type { NetworkDeps } from './network-tx.ts';
import { NetworkInfraService } from './network-infra-service.ts';
import { NetworkService } from './network-service.ts';
import { PublicIpService } from './network-public-ip-service.ts';
import { allocateNics } from './network-nic-service.ts';

const now = () => new Date().toISOString();
const user = (accountId: string) => ({ scope: { accountId, admin: false }, role: 'user' });

async function seedInstances(repos: Repos, zoneId: string, accountId: string, n: number): Promise<string[]> {
  const imageId = newId('image'); const versionId = newId('imageVersion'); const offeringId = newId('offering');
  await repos.images.insert({ id: imageId, accountId, name: `img-${imageId.slice(-6)}`, description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now() });
  await repos.imageVersions.insert({ id: versionId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now() });
  await repos.offerings.insert({ id: offeringId, name: `o-${offeringId.slice(-6)}`, description: '', vcpus: 1, memoryMiB: 256, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now() });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = newId('instance');
    await repos.instances.insert({
      id, accountId, name: `vm${i}`, zoneId, podId: null, clusterId: null, hostId: null, poolId: null, imageId, imageVersionId: versionId, offeringId,
      keypairId: null, vcpus: 1, memoryMiB: 256, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'pending', task: null,
      observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: now(), updatedAt: now(), deletedAt: null,
    });
    ids.push(id);
  }
  return ids;
}

/** Concurrent allocations on both dialects; on PostgreSQL half of them run through a second pool (a second server). */
for (const dialect of testDialects) {
  describe(`concurrent network allocations on ${dialect}`, () => {
    let h: DatabaseHandle & { drop(): Promise<void> };
    let second: DatabaseHandle | null;
    let deps: NetworkDeps[];
    let zoneId: string;
    before(async () => {
      h = await openTestDatabase(dialect);
      second = dialect === 'postgres'
        ? await openDatabase({ url: h.location.split(' ')[0] ?? '', pgSchema: /schema (\w+)/.exec(h.location)?.[1] ?? '', migrate: false })
        : null;
      deps = [h, ...(second ? [second] : [])].map((d) => {
        const repos = createRepos(d.db); const notifier = new Notifier();
        return { repos, clock: systemClock, notifier, events: new EventLog(repos, systemClock, notifier) };
      });
      const d0 = deps[0]!;
      zoneId = (await seedInfrastructure(d0.repos, { hosts: 1 })).zoneId;
      const infra = new NetworkInfraService(d0);
      await infra.createPhysicalNetwork({ zoneId, name: 'guest', trafficTypes: ['guest'], device: 'eth1', vniRange: { start: 5000, end: 5003 } });
      await infra.createPhysicalNetwork({ zoneId, name: 'public', trafficTypes: ['public'], device: 'eth2' });
      await infra.createPublicIpRange({ zoneId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.17' });
    });
    after(async () => { await second?.close(); await h.drop(); });

    test('ten accounts create networks at once: the four VNIs and their source-NAT IPs go to four of them, never twice', async () => {
      const accounts = await Promise.all(Array.from({ length: 10 }, (_, i) => seedAccount(deps[0]!.repos, `t${i}-${dialect}`)));
      const results = await Promise.allSettled(accounts.map((a, i) =>
        new NetworkService(deps[i % deps.length]!).create(user(a), { name: 'net', zoneId, cidr: '10.0.0.0/24' })));
      const made = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      assert.equal(made.length, 4);
      assert.deepEqual(made.map((n) => n.vni).sort(), [5000, 5001, 5002, 5003]);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as ApiError).code, 'no_capacity', String(r.reason));
      const snat = await deps[0]!.repos.db.selectFrom('publicIps').select('address').where('sourceNat', '=', 1).execute();
      assert.equal(snat.length, 4);
      assert.equal(new Set(snat.map((s) => s.address)).size, 4);
    });

    test('forty NICs at once on a network with room for 29: 29 distinct addresses and MACs, the rest a clean no_capacity', async () => {
      const acct = await seedAccount(deps[0]!.repos, `nics-${dialect}`);
      await deps[0]!.repos.db.updateTable('physicalNetworks').set({ vniEnd: 5010 }).where('name', '=', 'guest').execute();
      const net = await new NetworkService(deps[0]!).create(user(acct), { name: 'n', zoneId, cidr: '10.7.0.0/27' });
      const insts = await seedInstances(deps[0]!.repos, zoneId, acct, 40);
      const results = await Promise.allSettled(insts.map((id, i) => {
        const d = deps[i % deps.length]!;
        return d.repos.db.transaction().execute((trx) => allocateNics(trx, { accountId: acct, admin: false }, id, [{ networkId: net.id }]));
      }));
      const nics = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as ApiError).code, 'no_capacity', String(r.reason));
      assert.equal(nics.length, 29);
      assert.equal(new Set(nics.map((n) => n.ip)).size, 29);
      assert.equal(new Set(nics.map((n) => n.mac)).size, 29);
      const groups = await deps[0]!.repos.db.selectFrom('securityGroups').select('id').where('accountId', '=', acct).execute();
      assert.equal(groups.length, 1, 'the default group was created once');
      const stored = await deps[0]!.repos.db.selectFrom('networks').select('configVersion').where('id', '=', net.id).executeTakeFirstOrThrow();
      assert.equal(stored.configVersion, 1 + 1 + 29, 'created, then bumped once per committed allocation');
    });

    test('public IPs allocated at once never share an address', async () => {
      const acct = await seedAccount(deps[0]!.repos, `pub-${dialect}`);
      const net = await new NetworkService(deps[0]!).create(user(acct), { name: 'p', zoneId, cidr: '10.8.0.0/24' });
      const free = 8 - Number((await deps[0]!.repos.db.selectFrom('publicIps').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) =>
        new PublicIpService(deps[i % deps.length]!).allocate({ accountId: acct, admin: false }, { networkId: net.id })));
      const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.address] : []));
      assert.equal(ok.length, free);
      assert.equal(new Set(ok).size, free);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as ApiError).code, 'no_capacity', String(r.reason));
    });
  });
}
