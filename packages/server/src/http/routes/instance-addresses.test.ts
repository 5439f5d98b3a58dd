import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { networkTestbed, seedZoneNetworking, type NetworkTestbed } from './network-test-fixture.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */

describe('instance addresses', () => {
  let t: NetworkTestbed;
  before(async () => {
    t = await networkTestbed();
    await seedZoneNetworking(t);
  });
  after(async () => { await t.close(); });

  test('regression: GET /instances/{id} did not show the instance\'s addresses', async () => {
    const front = await t.ok(t.alice, 'POST', '/api/v1/networks', { name: 'front', zoneId: t.zoneId, cidr: '10.8.0.0/24' });
    const back = await t.ok(t.alice, 'POST', '/api/v1/networks', { name: 'back', zoneId: t.zoneId, cidr: '10.9.0.0/24' });
    const vm = await t.instance(t.alice, 'web-1');
    const other = await t.instance(t.alice, 'web-2');
    const lone = await t.instance(t.alice, 'no-nics');
    const nics = await t.nics(t.alice, vm, [{ networkId: front.id }, { networkId: back.id }]);
    await t.nics(t.alice, other, [{ networkId: back.id }]);
    const eip = await t.ok(t.alice, 'POST', '/api/v1/public-ips', { networkId: front.id });
    await t.ok(t.alice, 'POST', `/api/v1/public-ips/${eip.id}/static-nat`, { nicId: nics[0]!.id });

    const got = await t.ok(t.alice, 'GET', `/api/v1/instances/${vm}`);
    assert.deepEqual(got.addresses, [
      { nicId: nics[0]!.id, deviceIndex: 0, networkId: front.id, networkName: 'front', mac: nics[0]!.mac, ip: nics[0]!.ip, publicIp: eip.address },
      { nicId: nics[1]!.id, deviceIndex: 1, networkId: back.id, networkName: 'back', mac: nics[1]!.mac, ip: nics[1]!.ip, publicIp: null },
    ]);
    assert.deepEqual((await t.ok(t.alice, 'GET', `/api/v1/instances/${lone}`)).addresses, []);

    // A page batch-loads what the single gets load: the same addresses, instance by instance.
    const page = await t.ok(t.alice, 'GET', '/api/v1/instances?limit=100');
    for (const id of [vm, other, lone]) {
      const item = page.items.find((i: any) => i.id === id);
      assert.deepEqual(item.addresses, (await t.ok(t.alice, 'GET', `/api/v1/instances/${id}`)).addresses, id);
    }
    assert.equal((await t.call(t.bob, 'GET', `/api/v1/instances/${vm}`)).status, 404, 'another tenant sees nothing');
  });
});
