import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { networkTestbed, seedZoneNetworking, type NetworkTestbed } from './network-test-fixture.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */

describe('networking API: physical networks and public IP ranges', () => {
  let t: NetworkTestbed;
  let rangeId: string;
  let guestPhysId: string;
  before(async () => {
    t = await networkTestbed();
    ({ rangeId, guestId: guestPhysId } = await seedZoneNetworking(t));
  });
  after(async () => { await t.close(); });

  test('physical networks: admin only, one per zone for public and management traffic, several for guest traffic, ranges checked', async () => {
    assert.equal((await t.call(t.alice, 'GET', '/api/v1/physical-networks')).status, 403);
    assert.equal((await t.call(t.alice, 'POST', '/api/v1/physical-networks', { zoneId: t.zoneId, name: 'x', trafficTypes: ['guest'], device: 'eth9' })).status, 403);
    const dup = await t.call(t.admin, 'POST', '/api/v1/physical-networks', { zoneId: t.zoneId, name: 'public2', trafficTypes: ['public'], device: 'eth2' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.details.field, 'trafficTypes');
    assert.match(dup.body.error.message, /already carries public traffic/);
    // A second guest physical network (a LAN for shared networks); the first stays the default for isolated ones.
    await t.ok(t.admin, 'POST', '/api/v1/physical-networks', { zoneId: t.zoneId, name: 'lan', trafficTypes: ['guest'], device: 'eth2' });
    const bad = await t.call(t.admin, 'POST', '/api/v1/physical-networks', { zoneId: t.zoneId, name: 'storage', trafficTypes: ['management'], device: 'eth3', vniRange: { start: 10, end: 5 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.field, 'vniRange');
    const badDevice = await t.call(t.admin, 'POST', '/api/v1/physical-networks', { zoneId: t.zoneId, name: 'x', trafficTypes: ['management'], device: 'a-very-long-interface-name' });
    assert.equal(badDevice.status, 400);
    const list = await t.ok(t.admin, 'GET', `/api/v1/physical-networks?zoneId=${t.zoneId}`);
    assert.deepEqual(list.items.map((p: any) => p.name).sort(), ['guest', 'lan', 'public']);
    const guest = list.items.find((p: any) => p.name === 'guest');
    assert.deepEqual(guest.vniRange, { start: 5000, end: 5009 });
    assert.equal(guest.mtu, 1500);
  });

  test('physical network changes: ranges cannot drop VNIs in use; a new device reaches every network of the zone', async () => {
    const net = await t.ok(t.alice, 'POST', '/api/v1/networks', { name: 'pn-test', zoneId: t.zoneId, cidr: '10.77.0.0/24' });
    const shrink = await t.call(t.admin, 'PATCH', `/api/v1/physical-networks/${guestPhysId}`, { vniRange: { start: net.vni + 1, end: 5009 } });
    assert.deepEqual([shrink.status, shrink.body.error.code, shrink.body.error.details.field], [409, 'in_use', 'vniRange']);
    assert.match(shrink.body.error.message, /pn-test/);
    const changed = await t.ok(t.admin, 'PATCH', `/api/v1/physical-networks/${guestPhysId}`, { device: 'bond0' });
    assert.equal(changed.device, 'bond0');
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/networks/${net.id}`)).configVersion, net.configVersion + 1);
    await t.ok(t.admin, 'PATCH', `/api/v1/physical-networks/${guestPhysId}`, { device: 'eth1' });
    await t.ok(t.alice, 'DELETE', `/api/v1/networks/${net.id}`);
    assert.equal((await t.call(t.alice, 'PATCH', `/api/v1/physical-networks/${guestPhysId}`, { device: 'eth5' })).status, 403);
  });

  test('per-host underlay mappings: set, default, removed; the host must be in the zone', async () => {
    const m = await t.ok(t.admin, 'POST', `/api/v1/physical-networks/${guestPhysId}/hosts`, { hostId: t.hostIds[1], device: 'eth2', address: '192.168.50.12' });
    assert.deepEqual([m.device, m.address], ['eth2', '192.168.50.12']);
    const d = await t.ok(t.admin, 'POST', `/api/v1/physical-networks/${guestPhysId}/hosts`, { hostId: t.hostIds[2] });
    assert.deepEqual([d.device, d.address], ['eth1', '10.0.0.3'], 'defaults: the physical network\'s device, the host\'s address');
    const again = await t.ok(t.admin, 'POST', `/api/v1/physical-networks/${guestPhysId}/hosts`, { hostId: t.hostIds[2], address: '192.168.50.13' });
    assert.equal(again.address, '192.168.50.13', 'setting again replaces');
    assert.equal((await t.ok(t.admin, 'GET', `/api/v1/physical-networks/${guestPhysId}/hosts`)).items.length, 2);
    await t.ok(t.admin, 'DELETE', `/api/v1/physical-networks/${guestPhysId}/hosts/${t.hostIds[2]}`);
    assert.equal((await t.call(t.admin, 'DELETE', `/api/v1/physical-networks/${guestPhysId}/hosts/${t.hostIds[2]}`)).status, 404);
    const unknown = await t.call(t.admin, 'POST', `/api/v1/physical-networks/${guestPhysId}/hosts`, { hostId: 'host-01m80000000000000000' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.details.field, 'hostId');
  });

  test('public IP ranges: gateway outside the range, bounds inside the CIDR, no overlap within the zone', async () => {
    const base = { zoneId: t.zoneId, cidr: '198.51.100.0/24', gateway: '198.51.100.1', startIp: '198.51.100.10', endIp: '198.51.100.20' };
    const cases: Array<[Record<string, string>, string]> = [
      [{ gateway: '198.51.100.15' }, 'gateway'],
      [{ startIp: '198.51.101.10' }, 'startIp'],
      [{ endIp: '198.51.100.255' }, 'endIp'],
      [{ startIp: '198.51.100.30' }, 'endIp'],
      [{ cidr: '198.51.100.5/24' }, 'cidr'],
    ];
    for (const [patch, field] of cases) {
      const r = await t.call(t.admin, 'POST', '/api/v1/public-ip-ranges', { ...base, ...patch });
      assert.equal(r.status, 400, JSON.stringify(patch));
      assert.equal(r.body.error.details.field, field, JSON.stringify(r.body));
    }
    const overlap = await t.call(t.admin, 'POST', '/api/v1/public-ip-ranges', { ...base, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.9', endIp: '203.0.113.12' });
    assert.equal(overlap.status, 409);
    assert.match(overlap.body.error.message, new RegExp(rangeId));
    const r = await t.ok(t.admin, 'GET', `/api/v1/public-ip-ranges/${rangeId}`);
    assert.deepEqual([r.size, r.allocated], [8, 0]);
    assert.equal((await t.call(t.bob, 'GET', '/api/v1/public-ip-ranges')).status, 403);
  });

});
