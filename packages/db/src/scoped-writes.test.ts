import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@kumo/core';
import { createRepos, type Repos } from './repos/index.ts';
import { openTestDatabase, testDialects } from './testing/test-databases.ts';
import { seedAccount, seedInfrastructure, seedInstance } from './testing/fixtures.ts';
import type { NetworkRow, OperationRow } from './schema.ts';
import type { Scope } from './scope.ts';

const now = () => new Date().toISOString();
const rid = (prefix: string) => `${prefix}-${newId('event').slice(3)}`;
const as = (accountId: string): Scope => ({ accountId, admin: false });

// The repository methods that services call on behalf of API callers: another account's scope
// changes nothing, the owner's (or an admin's) does. On every dialect.
for (const dialect of testDialects) {
  describe(`scoped repository writes on ${dialect}`, () => {
    let repos: Repos;
    let drop: () => Promise<void>;
    let zoneId: string; let physId: string; let rangeId: string;
    let alice: string; let bob: string;
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
      rangeId = rid('pipr');
      await repos.publicIpRanges.insert({ id: rangeId, zoneId, physicalNetworkId: physId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.200', vlan: null, createdAt: now() });
      alice = await seedAccount(repos, `alice-sw-${dialect}`);
      bob = await seedAccount(repos, `bob-sw-${dialect}`);
    });
    after(async () => { await drop(); });

    const network = (accountId: string, name: string): NetworkRow => ({
      id: rid('net'), accountId, zoneId, physicalNetworkId: physId, name, description: '', kind: 'isolated', cidr: '10.0.0.0/24',
      gateway: '10.0.0.1', rangeStart: '10.0.0.2', rangeEnd: '10.0.0.254', vni: null, vlan: null, mtu: 1450, dnsDomain: 'cloud.internal',
      egressDefaultPolicy: 'allow', configVersion: 1, createdAt: now(), updatedAt: now(),
    });

    test('requestDesired writes only the caller\'s instance, and only at the expected version', async () => {
      const id = await seedInstance(repos, alice, zoneId);
      const inst = await repos.instances.getAny(id);
      assert.ok(inst);
      assert.equal(await repos.instances.requestDesired(as(bob), id, inst.version, { desired: 'stopped' }, now()), false);
      assert.equal((await repos.instances.getAny(id))?.desired, inst.desired, 'another account changed nothing');
      assert.equal(await repos.instances.requestDesired(as(alice), id, inst.version + 7, { desired: 'stopped' }, now()), false, 'stale version');
      assert.equal(await repos.instances.requestDesired(as(alice), id, inst.version, { desired: 'stopped' }, now()), true);
      const after = await repos.instances.getAny(id);
      assert.equal(after?.desired, 'stopped');
      assert.equal(after?.version, inst.version + 1);
    });

    test('liveByName looks in the caller\'s own account only', async () => {
      const id = await seedInstance(repos, alice, zoneId);
      const name = (await repos.instances.getAny(id))?.name ?? '';
      assert.equal((await repos.instances.liveByName(as(alice), name))?.id, id);
      assert.equal(await repos.instances.liveByName(as(bob), name), undefined);
    });

    test('requestCancel marks only an operation the caller may see', async () => {
      const op: OperationRow = {
        id: newId('operation'), accountId: alice, kind: 'instance.start', resourceType: 'instance', resourceId: 'i-x', status: 'running', progress: 0,
        message: '', params: '{}', errorCode: null, errorMessage: null, idempotencyKey: null, requestHash: null,
        createdAt: now(), startedAt: null, finishedAt: null, updatedAt: now(), progressDetail: null, cancelRequestedAt: null,
      };
      await repos.operations.insert(op);
      assert.equal(await repos.operations.requestCancel(as(bob), op.id, now()), false);
      assert.equal((await repos.operations.getAny(op.id))?.cancelRequestedAt, null);
      assert.equal(await repos.operations.requestCancel(as(alice), op.id, now()), true);
      assert.notEqual((await repos.operations.getAny(op.id))?.cancelRequestedAt, null);
    });

    test('deleting a network with its dependents, a load balancer with its members, a group with its rules: owner only', async () => {
      const net = network(alice, 'sw-net');
      await repos.networks.insert(net);
      const ip = { id: rid('pip'), accountId: alice, zoneId, rangeId, address: '203.0.113.10', networkId: net.id, sourceNat: 1, staticNatNicId: null, createdAt: now() };
      await repos.publicIps.insert(ip);
      await repos.routers.insert({ id: rid('rtr'), accountId: alice, networkId: net.id, hostId: null, publicIpId: ip.id, state: 'pending', stateReason: null, version: 1, createdAt: now(), updatedAt: now() });
      const lb = {
        id: rid('lb'), accountId: alice, networkId: net.id, publicIpId: ip.id, name: 'web', publicPort: 80, privatePort: 8080, algorithm: 'roundrobin' as const,
        healthIntervalMs: null, healthRise: null, healthFall: null, healthHttpPath: null, createdAt: now(),
      };
      await repos.loadBalancers.insert(lb);
      const group = { id: rid('sg'), accountId: alice, name: 'sw-group', description: '', createdAt: now() };
      await repos.securityGroups.insert(group);
      await repos.securityGroups.insertRule({
        id: rid('sgr'), accountId: alice, securityGroupId: group.id, direction: 'ingress', protocol: 'all', portStart: null, portEnd: null,
        icmpType: null, icmpCode: null, cidr: '0.0.0.0/0', remoteGroupId: null, createdAt: now(),
      });

      assert.equal(await repos.securityGroups.deleteWithRules(as(bob), group.id), false);
      assert.equal((await repos.securityGroups.rules([group.id])).length, 1, 'the rules stay');
      assert.equal(await repos.securityGroups.deleteWithRules(as(alice), group.id), true);
      assert.equal(await repos.securityGroups.get(as(alice), group.id), undefined);
      assert.deepEqual(await repos.securityGroups.rules([group.id]), []);

      assert.equal(await repos.loadBalancers.deleteWithMembers(as(bob), lb.id), false);
      assert.ok(await repos.loadBalancers.get(as(alice), lb.id));

      assert.equal(await repos.networks.deleteWithDependents(as(bob), net.id, new Date().toISOString()), false);
      assert.ok(await repos.networks.getAny(net.id), 'another account deleted nothing');
      assert.ok(await repos.publicIps.getAny(ip.id));
      assert.equal(await repos.networks.deleteWithDependents(as(alice), net.id, new Date().toISOString()), true);
      assert.equal(await repos.networks.getAny(net.id), undefined);
      assert.equal(await repos.publicIps.getAny(ip.id), undefined, 'its public IPs went with it');
      assert.equal(await repos.loadBalancers.get(as(alice), lb.id), undefined, 'and its load balancers');
      assert.equal(await repos.routers.ofNetwork(net.id), undefined, 'and its router');
    });

    test('claimStaticNat maps only the caller\'s public IP, and only once', async () => {
      const net = network(alice, 'sw-nat');
      await repos.networks.insert(net);
      const ip = { id: rid('pip'), accountId: alice, zoneId, rangeId, address: '203.0.113.20', networkId: net.id, sourceNat: 0, staticNatNicId: null, createdAt: now() };
      await repos.publicIps.insert(ip);
      const instanceId = await seedInstance(repos, alice, zoneId);
      const nic = { id: rid('nic'), accountId: alice, instanceId, networkId: net.id, deviceIndex: 0, mac: '52:54:00:aa:bb:01', ip: '10.0.0.5', createdAt: now(), pciSlot: 0x08 };
      await repos.nics.insert(nic);
      assert.equal(await repos.publicIps.claimStaticNat(as(bob), ip.id, nic.id), false);
      assert.equal(await repos.publicIps.claimStaticNat(as(alice), ip.id, nic.id), true);
      assert.equal(await repos.publicIps.claimStaticNat(as(alice), ip.id, nic.id), false, 'already mapped');
      assert.deepEqual(await repos.publicIps.staticNatOf(nic.id), { id: ip.id, address: ip.address });
      assert.equal((await repos.publicIps.addressesOf([ip.id])).get(ip.id), ip.address);
      assert.equal((await repos.nics.ipsOf([nic.id])).get(nic.id), '10.0.0.5');
    });
  });
}
