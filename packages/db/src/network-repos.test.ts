import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@kumo/core';
import { createRepos, isUniqueViolation, withSavepoint, type Repos } from './repos/index.ts';
import { openTestDatabase, testDialects } from './testing/test-databases.ts';
import { seedAccount, seedInfrastructure, seedInstance } from './testing/fixtures.ts';
import type { NetworkRow, NicRow } from './schema.ts';
import type { Scope } from './scope.ts';

const now = () => new Date().toISOString();
const admin: Scope = { accountId: 'acct-system', admin: true };
// Ids of the networking tables have their own prefixes; the repositories do not care.
const rid = (prefix: string) => `${prefix}-${newId('event').slice(3)}`;

// The networking tables' constraints and scoping, on every dialect (kysely's DIALECTS loop).
for (const dialect of testDialects) {
  describe(`network repositories on ${dialect}`, () => {
    let repos: Repos;
    let drop: () => Promise<void>;
    let zoneId: string; let physId: string;
    before(async () => {
      const h = await openTestDatabase(dialect);
      repos = createRepos(h.db);
      drop = h.drop;
      zoneId = (await seedInfrastructure(repos, { hosts: 1 })).zoneId;
      physId = rid('pnet');
      await repos.physicalNetworks.insert({
        id: physId, zoneId, name: 'phys', trafficTypes: '["guest","public"]', device: 'eth1', deviceKind: 'interface', mtu: 1500,
        vniStart: 1000, vniEnd: 1999, vlanStart: 100, vlanEnd: 199, createdAt: now(),
      });
    });
    after(async () => { await drop(); });

    const network = (accountId: string, name: string, patch: Partial<NetworkRow> = {}): NetworkRow => ({
      id: rid('net'), accountId, zoneId, physicalNetworkId: physId, name, description: '', kind: 'isolated', cidr: '10.0.0.0/24',
      gateway: '10.0.0.1', rangeStart: '10.0.0.2', rangeEnd: '10.0.0.254', vni: null, vlan: null, mtu: 1450, dnsDomain: 'cloud.internal',
      egressDefaultPolicy: 'allow', configVersion: 1, createdAt: now(), updatedAt: now(), ...patch,
    });
    const nic = (accountId: string, instanceId: string, networkId: string, ip: string, mac: string, deviceIndex = 0): NicRow => ({
      id: rid('nic'), accountId, instanceId, networkId, deviceIndex, mac, ip, createdAt: now(), pciSlot: 0x08 + deviceIndex,
    });

    test('isolated networks are private to their account; shared ones are visible to all but changed by admins only', async () => {
      const a = await seedAccount(repos, `alice-${dialect}`); const b = await seedAccount(repos, `bob-${dialect}`);
      const ops = await seedAccount(repos, `ops-${dialect}`, 'admin');
      const mine = network(a, 'mine'); const theirs = network(b, 'theirs'); const shared = network(ops, `shared-${dialect}`, { kind: 'shared' });
      for (const n of [mine, theirs, shared]) await repos.networks.insert(n);
      const sa: Scope = { accountId: a, admin: false };
      const visible = (await repos.networks.list(sa, {})).items.map((n) => n.name).sort();
      assert.deepEqual(visible, ['mine', `shared-${dialect}`]);
      assert.equal(await repos.networks.get(sa, theirs.id), undefined, 'another account\'s network is invisible');
      assert.ok(await repos.networks.get(sa, shared.id), 'a shared network is readable');
      assert.equal(await repos.networks.getForWrite(sa, shared.id), undefined, 'but not writable');
      assert.equal(await repos.networks.delete(sa, shared.id), false);
      assert.equal(await repos.networks.delete(sa, theirs.id), false);
      assert.ok((await repos.networks.list(admin, {})).items.length >= 3);
    });

    test('an IP is unique per network, a MAC cloud-wide, and an instance has one NIC per network', async () => {
      const a = await seedAccount(repos, `nics-${dialect}`);
      const n1 = network(a, 'n1'); const n2 = network(a, 'n2', { cidr: '10.0.1.0/24' });
      await repos.networks.insert(n1); await repos.networks.insert(n2);
      const i1 = await seedInstance(repos, a, zoneId); const i2 = await seedInstance(repos, a, zoneId);
      await repos.nics.insert(nic(a, i1, n1.id, '10.0.0.2', '52:54:00:00:00:01'));
      await assert.rejects(repos.nics.insert(nic(a, i2, n1.id, '10.0.0.2', '52:54:00:00:00:02')), isUniqueViolation, 'same IP twice in one network');
      await assert.rejects(repos.nics.insert(nic(a, i2, n2.id, '10.0.1.2', '52:54:00:00:00:01')), isUniqueViolation, 'same MAC twice');
      await assert.rejects(repos.nics.insert(nic(a, i1, n1.id, '10.0.0.3', '52:54:00:00:00:03', 1)), isUniqueViolation, 'two NICs of one instance on one network');
      await repos.nics.insert(nic(a, i2, n2.id, '10.0.0.2', '52:54:00:00:00:04'));
      assert.deepEqual(await repos.nics.usedIps(n1.id), ['10.0.0.2']);
      assert.equal(await repos.nics.countInNetwork(n2.id), 1);
      const other = await seedAccount(repos, `nics-other-${dialect}`);
      assert.equal((await repos.nics.list({ accountId: other, admin: false }, {})).items.length, 0, 'NICs are tenant-scoped');
    });

    test('a VNI is unique per zone, a VLAN per physical network; networks without either do not collide', async () => {
      const a = await seedAccount(repos, `seg-${dialect}`);
      await repos.networks.insert(network(a, 'v1', { vni: 1000 }));
      await assert.rejects(repos.networks.insert(network(a, 'v2', { vni: 1000 })), isUniqueViolation);
      await repos.networks.insert(network(a, 'l1', { vlan: 100 }));
      await assert.rejects(repos.networks.insert(network(a, 'l2', { vlan: 100 })), isUniqueViolation);
      await repos.networks.insert(network(a, 'plain1'));
      await repos.networks.insert(network(a, 'plain2'));
      assert.deepEqual(await repos.networks.usedVnis(zoneId), [1000]);
      assert.deepEqual(await repos.networks.usedVlans(physId), [100]);
      await assert.rejects(repos.networks.insert(network(a, 'plain1')), isUniqueViolation, 'names are unique per account');
    });

    test('a public address is unique per zone and a NIC has at most one static NAT', async () => {
      const a = await seedAccount(repos, `pub-${dialect}`);
      const rangeId = rid('pipr');
      await repos.publicIpRanges.insert({ id: rangeId, zoneId, physicalNetworkId: physId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.20', vlan: null, createdAt: now() });
      const ip = (address: string, staticNatNicId: string | null = null) => ({ id: rid('pip'), accountId: a, zoneId, rangeId, address, networkId: null, sourceNat: 0, staticNatNicId, createdAt: now() });
      await repos.publicIps.insert(ip('203.0.113.10'));
      await assert.rejects(repos.publicIps.insert(ip('203.0.113.10')), isUniqueViolation);
      await repos.publicIps.insert(ip('203.0.113.11', 'nic-x'));
      await repos.publicIps.insert(ip('203.0.113.12'));
      await assert.rejects(repos.publicIps.insert(ip('203.0.113.13', 'nic-x')), isUniqueViolation);
      assert.deepEqual((await repos.publicIps.usedInRange(rangeId)).sort(), ['203.0.113.10', '203.0.113.11', '203.0.113.12']);
    });

    test('a security group name is unique per account (the lazily created default cannot be made twice)', async () => {
      const a = await seedAccount(repos, `sg-${dialect}`); const b = await seedAccount(repos, `sg2-${dialect}`);
      const g = (accountId: string) => ({ id: rid('sg'), accountId, name: 'default', description: '', createdAt: now() });
      await repos.securityGroups.insert(g(a));
      await assert.rejects(repos.securityGroups.insert(g(a)), isUniqueViolation);
      await repos.securityGroups.insert(g(b));
      assert.equal((await repos.securityGroups.byName(a, 'default'))?.accountId, a);
    });

    test('a failed insert inside a savepoint leaves the transaction usable; bumpConfig counts up', async () => {
      const a = await seedAccount(repos, `sp-${dialect}`);
      const n = network(a, 'sp');
      await repos.networks.insert(n);
      await repos.db.transaction().execute(async (trx) => {
        await assert.rejects(withSavepoint(trx, () => repos.networks.insert(network(a, 'sp'), trx)), isUniqueViolation);
        await repos.networks.insert(network(a, 'sp-after'), trx);
        await repos.networks.bumpConfig(trx, [n.id, n.id], now());
      });
      assert.ok((await repos.networks.list(admin, { limit: 1000 }, { accountId: a })).items.some((x) => x.name === 'sp-after'), 'the write after the failure committed');
      assert.equal((await repos.networks.getAny(n.id))?.configVersion, 2, 'duplicates in the list bump once');
    });

    test('router states from an apply: only routers still on that host change, and only when different', async () => {
      const a = await seedAccount(repos, `rtr-${dialect}`);
      const [h1, h2] = (await seedInfrastructure(repos, { hosts: 2 })).hosts.map((h) => h.id);
      const router = async (hostId: string | null) => {
        const net = network(a, `rtr-${rid('n').slice(-6)}`);
        await repos.networks.insert(net);
        const id = rid('rtr');
        await repos.routers.insert({ id, accountId: a, networkId: net.id, hostId, publicIpId: null, state: 'starting', stateReason: null, version: 1, createdAt: now(), updatedAt: now() });
        return { id, networkId: net.id };
      };
      const [r1, r2, moved] = [await router(h1!), await router(h1!), await router(h2!)];
      const state = async (id: string) => { const r = await repos.routers.get(admin, id); return [r?.state, r?.stateReason]; };
      let changed = await repos.routers.recordApplied(h1!, [r1.id, moved.id], new Map([[r2.id, 'router: nft failed']]), now());
      assert.deepEqual(changed.sort(), [r1.networkId, r2.networkId].sort(), 'the router placed elsewhere is not touched');
      assert.deepEqual(await state(r1.id), ['running', null]);
      assert.deepEqual(await state(r2.id), ['error', 'router: nft failed']);
      assert.deepEqual(await state(moved.id), ['starting', null]);
      changed = await repos.routers.recordApplied(h1!, [r1.id], new Map([[r2.id, 'router: nft failed']]), now());
      assert.deepEqual(changed, [], 'nothing written when nothing changed');
      changed = await repos.routers.recordApplied(h1!, [r1.id, r2.id], new Map(), now());
      assert.deepEqual(changed, [r2.networkId]);
      assert.deepEqual(await state(r2.id), ['running', null], 'a later success clears the error');
    });
  });
}
