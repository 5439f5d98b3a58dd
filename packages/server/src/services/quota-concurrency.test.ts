import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { newId, systemClock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { createRepos, openDatabase, type DatabaseHandle, type Repos, type VolumeRow } from '@kumo/db';
import { openTestDatabase, seedAccount, seedInfrastructure, testDialects } from '@kumo/db/testing';
import { Notifier } from './notifier.ts';
import { EventLog } from './event-log.ts';
import { OperationService } from './operation-service.ts';
import { InstanceService } from './instance-service.ts';
import { VolumeService } from './volume-service.ts';
import { SnapshotService } from './snapshot-service.ts';
import { VolumeDeviceService } from './volume-device-service.ts';
import { NetworkInfraService } from './network-infra-service.ts';
import { NetworkService } from './network-service.ts';
import { PublicIpService } from './network-public-ip-service.ts';
import { QuotaService } from './quota-service.ts';

const now = () => new Date().toISOString();
const user = (accountId: string) => ({ scope: { accountId, admin: false }, role: 'user' as const });
const admin = { accountId: 'acct-system', admin: true };

/** The services of one "server" over one connection pool. */
function servicesOn(d: DatabaseHandle) {
  const repos = createRepos(d.db); const notifier = new Notifier(); const clock = systemClock;
  const events = new EventLog(repos, clock, notifier); const ops = new OperationService(repos, clock, notifier);
  const volumes = new VolumeService(repos, ops, events, notifier, clock);
  const deps = { repos, clock, notifier, events };
  return {
    repos, instances: new InstanceService(repos, ops, events, notifier, clock), volumes,
    snapshots: new SnapshotService(repos, volumes, ops, events, notifier, clock, tmpdir(), 1024 ** 3),
    volumeDevices: new VolumeDeviceService(repos, volumes, ops, events, clock),
    networks: new NetworkService(deps), publicIps: new PublicIpService(deps), quotas: new QuotaService(repos, clock),
  };
}
type Services = ReturnType<typeof servicesOn>;

/** Every rejection is quota_exceeded about `resource` with the limit; returns how many succeeded. */
function settle<T>(results: PromiseSettledResult<T>[], resource: string, limit: number): T[] {
  for (const r of results) {
    if (r.status === 'fulfilled') continue;
    const e = r.reason as ApiError;
    assert.equal(e.code, 'quota_exceeded', String(r.reason));
    assert.deepEqual({ resource: (e.details as { resource: string }).resource, limit: (e.details as { limit: number }).limit }, { resource, limit });
  }
  return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

/** 50 concurrent creates by one account never exceed its quota; on PostgreSQL through two pools (two servers). */
for (const dialect of testDialects) {
  describe(`quotas under concurrency on ${dialect}`, () => {
    let h: DatabaseHandle & { drop(): Promise<void> };
    let second: DatabaseHandle | null;
    let svc: Services[];
    let repos: Repos;
    let zoneId: string; let poolId: string; let imageId: string; let offeringId: string;
    const on = (i: number): Services => svc[i % svc.length] as Services;
    before(async () => {
      h = await openTestDatabase(dialect);
      second = dialect === 'postgres'
        ? await openDatabase({ url: h.location.split(' ')[0] ?? '', pgSchema: /schema (\w+)/.exec(h.location)?.[1] ?? '', migrate: false })
        : null;
      svc = [h, ...(second ? [second] : [])].map(servicesOn);
      repos = (svc[0] as Services).repos;
      const infra = await seedInfrastructure(repos, { hosts: 1 });
      zoneId = infra.zoneId; poolId = infra.poolIds[0] as string;
      imageId = newId('image'); offeringId = newId('offering');
      const versionId = newId('imageVersion');
      const owner = await seedAccount(repos, `images-${dialect}`);
      await repos.images.insert({ id: imageId, accountId: owner, name: 'tiny', description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now() });
      await repos.imageVersions.insert({ id: versionId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now() });
      await repos.offerings.insert({ id: offeringId, name: 'small', description: '', vcpus: 2, memoryMiB: 512, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now() });
      const net = new NetworkInfraService({ repos, clock: systemClock, notifier: new Notifier(), events: new EventLog(repos, systemClock, new Notifier()) });
      await net.createPhysicalNetwork({ zoneId, name: 'guest', trafficTypes: ['guest'], device: 'eth1', vniRange: { start: 5000, end: 5200 } });
      await net.createPhysicalNetwork({ zoneId, name: 'public', trafficTypes: ['public'], device: 'eth2' });
      await net.createPublicIpRange({ zoneId, cidr: '198.51.100.0/24', gateway: '198.51.100.1', startIp: '198.51.100.10', endIp: '198.51.100.250' });
    });
    after(async () => { await second?.close(); await h.drop(); });

    test('50 instance creates with room for 7 instances: 7 exist, 43 refused quota_exceeded, nothing half-made', async () => {
      const acct = await seedAccount(repos, `inst-${dialect}`);
      await on(0).quotas.set(admin, acct, { instances: 7 });
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) =>
        on(i).instances.create({ accountId: acct, admin: false }, { name: `vm${i}`, zoneId, imageId, offeringId, nics: [] })));
      assert.equal(settle(results, 'instances', 7).length, 7);
      const rows = await repos.db.selectFrom('instances').select('id').where('accountId', '=', acct).execute();
      assert.equal(rows.length, 7);
      const ops = await repos.db.selectFrom('operations').select('id').where('accountId', '=', acct).execute();
      assert.equal(ops.length, 7, 'a refused create leaves no operation behind');
    });

    test('a domain\'s quota bounds the sum of its accounts: 50 creates by 3 accounts of a sub-domain with room for 5 instances', async () => {
      const domainId = newId('domain');
      await repos.domains.insert({ id: domainId, name: `dom-${dialect}`, parentId: 'domain-root', path: `/ROOT/dom-${dialect}/`, state: 'enabled', createdAt: now() });
      const accts: string[] = [];
      for (let i = 0; i < 3; i++) {
        const id = newId('account');
        await repos.accounts.insert({ id, name: `dom-${dialect}-${i}`, role: 'user', createdAt: now(), domainId });
        accts.push(id);
      }
      await on(0).quotas.setDomain(domainId, { instances: 5 });
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) =>
        on(i).instances.create({ accountId: accts[i % 3] as string, admin: false }, { name: `vm${i}`, zoneId, imageId, offeringId, nics: [] })));
      assert.equal(settle(results, 'instances', 5).length, 5);
      const rows = await repos.db.selectFrom('instances').select('id').where('accountId', 'in', accts).execute();
      assert.equal(rows.length, 5);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.equal(((refused.reason as ApiError).details as { domainId: string }).domainId, domainId);
      assert.equal((await on(0).quotas.showDomain(domainId)).usage.instances, 5);
    });

    test('50 instance creates with room for 9 vCPUs (2 each): 4 exist, the refusal names vcpus, the limit and the use', async () => {
      const acct = await seedAccount(repos, `vcpu-${dialect}`);
      await on(0).quotas.set(admin, acct, { vcpus: 9 });
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) =>
        on(i).instances.create({ accountId: acct, admin: false }, { name: `vm${i}`, zoneId, imageId, offeringId, nics: [] })));
      assert.equal(settle(results, 'vcpus', 9).length, 4);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.deepEqual((refused.reason as ApiError).details, { resource: 'vcpus', limit: 9, used: 8, requested: 2, accountId: acct });
      assert.match((refused.reason as ApiError).message, /vcpus: the limit is 9, 8 in use, 2 more requested/);
    });

    test('50 volume creates with a 5-volume quota: 5 volumes', async () => {
      const acct = await seedAccount(repos, `vol-${dialect}`);
      await on(0).quotas.set(admin, acct, { volumes: 5 });
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) =>
        on(i).volumes.create({ accountId: acct, admin: false }, { name: `d${i}`, zoneId, sizeGiB: 1, poolId })));
      assert.equal(settle(results, 'volumes', 5).length, 5);
      const rows = await repos.db.selectFrom('volumes').select('id').where('accountId', '=', acct).execute();
      assert.equal(rows.length, 5);
      const pool = await repos.db.selectFrom('pools').select('allocatedGiB').where('id', '=', poolId).executeTakeFirstOrThrow();
      assert.ok(pool.allocatedGiB <= 5 + 100, 'refused volumes reserved no pool room');
    });

    test('volume GiB quota: 50 creates of 3 GiB with room for 10 GiB make 3 volumes', async () => {
      const acct = await seedAccount(repos, `gib-${dialect}`);
      await on(0).quotas.set(admin, acct, { volumeGiB: 10 });
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) =>
        on(i).volumes.create({ accountId: acct, admin: false }, { name: `g${i}`, zoneId, sizeGiB: 3, poolId })));
      assert.equal(settle(results, 'volumeGiB', 10).length, 3);
    });

    test('50 snapshot creates with a 4-snapshot quota: 4 snapshots', async () => {
      const acct = await seedAccount(repos, `snap-${dialect}`);
      const vols: string[] = [];
      for (let i = 0; i < 50; i++) {
        const id = newId('volume');
        const row: VolumeRow = {
          id, accountId: acct, instanceId: null, poolId, kind: 'data', sizeGiB: 1, format: 'qcow2', provisioning: 'linked', path: `/p/${id}`, createdAt: now(),
          desired: 'ready', phase: 'ready', task: null, observedState: null, observedAt: null, errorReason: null, version: 1, updatedAt: now(),
          pciSlot: null, serial: id.slice(-20), name: `s${i}`, diskOfferingId: null, sourceImageVersionId: null, sourceSnapshotId: null,
        };
        await repos.volumes.insert(row);
        vols.push(id);
      }
      await on(0).quotas.set(admin, acct, { snapshots: 4 });
      const results = await Promise.allSettled(vols.map((v, i) => on(i).snapshots.create({ accountId: acct, admin: false }, v, `snap${i}`)));
      assert.equal(settle(results, 'snapshots', 4).length, 4);
    });

    test('50 network creates with a 3-network quota: 3 networks, and only their 3 source-NAT addresses', async () => {
      const acct = await seedAccount(repos, `net-${dialect}`);
      await on(0).quotas.set(admin, acct, { networks: 3 });
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) =>
        on(i).networks.create(user(acct), { name: `n${i}`, zoneId, cidr: `10.${i}.0.0/24` })));
      assert.equal(settle(results, 'networks', 3).length, 3);
      const ips = await repos.db.selectFrom('publicIps').select('id').where('accountId', '=', acct).execute();
      assert.equal(ips.length, 3);
    });

    test('50 public IP allocations with a 6-address quota (the network\'s source NAT is one): 5 more', async () => {
      const acct = await seedAccount(repos, `pip-${dialect}`);
      const net = await on(0).networks.create(user(acct), { name: 'p', zoneId, cidr: '10.200.0.0/24' });
      await on(0).quotas.set(admin, acct, { publicIps: 6 });
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) =>
        on(i).publicIps.allocate({ accountId: acct, admin: false }, { networkId: net.id })));
      assert.equal(settle(results, 'publicIps', 6).length, 5);
      const ips = await repos.db.selectFrom('publicIps').select('id').where('accountId', '=', acct).execute();
      assert.equal(ips.length, 6);
    });

    test('growing a data volume counts against the volume GiB quota', async () => {
      const acct = await seedAccount(repos, `grow-${dialect}`);
      const id = newId('volume');
      await repos.volumes.insert({
        id, accountId: acct, instanceId: null, poolId, kind: 'data', sizeGiB: 4, format: 'qcow2', provisioning: 'linked', path: `/p/${id}`, createdAt: now(),
        desired: 'ready', phase: 'ready', task: null, observedState: null, observedAt: null, errorReason: null, version: 1, updatedAt: now(),
        pciSlot: null, serial: id.slice(-20), name: 'grow', diskOfferingId: null, sourceImageVersionId: null, sourceSnapshotId: null,
      });
      await on(0).quotas.set(admin, acct, { volumeGiB: 10 });
      await assert.rejects(on(0).volumeDevices.resize({ accountId: acct, admin: false }, id, 12),
        (e: ApiError) => e.code === 'quota_exceeded' && (e.details as { used: number; requested: number }).used === 4 && (e.details as { requested: number }).requested === 8);
      assert.equal((await repos.volumes.getAny(id))?.task, null, 'the refused resize claimed nothing');
      const op = await on(0).volumeDevices.resize({ accountId: acct, admin: false }, id, 10);
      assert.equal(op.kind, 'volume.resize');
    });

    test('defaults apply to accounts without limits of their own; an own limit of null falls back to them', async () => {
      const acct = await seedAccount(repos, `def-${dialect}`);
      await on(0).quotas.set(admin, '*', { instances: 2 });
      try {
        const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) =>
          on(i).instances.create({ accountId: acct, admin: false }, { name: `vm${i}`, zoneId, imageId, offeringId, nics: [] })));
        assert.equal(settle(results, 'instances', 2).length, 2);
        await on(0).quotas.set(admin, acct, { instances: 3 });
        await on(0).instances.create({ accountId: acct, admin: false }, { name: 'third', zoneId, imageId, offeringId, nics: [] });
        const view = await on(0).quotas.show({ accountId: acct, admin: false }, acct);
        assert.equal(view.effective.instances, 3);
        assert.equal(view.defaults.instances, 2);
        assert.equal(view.usage.instances, 3);
        assert.equal(view.usage.vcpus, 6);
        await on(0).quotas.set(admin, acct, { instances: null });
        assert.equal((await on(0).quotas.show(admin, acct)).effective.instances, 2);
      } finally {
        await on(0).quotas.set(admin, '*', { instances: null });
      }
    });
  });
}
