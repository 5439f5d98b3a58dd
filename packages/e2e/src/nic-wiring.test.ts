import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Operation } from '@kumo/api';
import { startTestCloud, eventually, type TestCloud } from './testing/test-cloud.ts';

describe('wiring: instances with NICs', () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startTestCloud({ hosts: 2 }); });
  after(async () => { await cloud.close(); });

  test('create with nics, list them, the spec carries taps, delete releases', async () => {
    const c = cloud.client; const zoneId = cloud.defaults.zoneId;
    await c.create('physical-networks', { zoneId, name: 'guest', trafficTypes: ['guest'], device: 'eth1', vniRange: { start: 5000, end: 5100 } });
    await c.create('physical-networks', { zoneId, name: 'public', trafficTypes: ['public'], device: 'eth2' });
    await c.create('public-ip-ranges', { zoneId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.20' });
    const net = await c.create<{ id: string }>('networks', { name: 'app', zoneId, cidr: '10.5.0.0/24' });
    const bad = await c.request<Operation>('POST', '/api/v1/instances', { body: { name: 'bad', zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, nics: [{ networkId: net.id, ip: '10.5.0.1' }] } }).catch((e: Error) => e);
    assert.match(String(bad), /gateway/);
    const op = await c.request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name: 'vm', zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, nics: [{ networkId: net.id, ip: '10.5.0.50' }] } });
    assert.equal(op.status, 'succeeded', op.message);
    const nics = await c.request<{ items: Array<{ ip: string; mac: string }> }>('GET', `/api/v1/instances/${op.resourceId}/nics`);
    assert.deepEqual(nics.items.map((n) => n.ip), ['10.5.0.50']);
    // The host the guest landed on was given the network (validated by the real agent's checks)
    // before the guest started, and the network's router was placed on a host.
    const inst = await c.get<{ hostId: string }>('instances', op.resourceId);
    const host = cloud.hosts.find((h) => h.agent.hostId === inst.hostId)!;
    const spec = host.network.last;
    assert.ok(spec, 'the guest host got a network spec');
    const netSpec = spec.networks.find((n) => n.networkId === net.id);
    assert.ok(netSpec, 'with the guest network');
    assert.equal(netSpec.kind, 'isolated');
    assert.deepEqual(spec.nics.map((n) => n.ips), [['10.5.0.50']]);
    const router = (await c.listAll<{ networkId: string; hostId: string | null }>('routers')).find((r) => r.networkId === net.id);
    assert.ok(router?.hostId, 'the router was placed');
    const routerHost = cloud.hosts.find((h) => h.agent.hostId === router.hostId)!;
    await eventually(async () => routerHost.network.last?.routers.some((r) => r.networkId === net.id) ?? false, 'router spec on its host');
    const routerSpec = routerHost.network.last!.routers.find((r) => r.networkId === net.id)!;
    assert.ok(routerSpec.dhcp.hosts.some((d) => d.ip === '10.5.0.50'), 'DHCP lease for the guest on the router');
    const del = await c.request<Operation>('DELETE', `/api/v1/instances/${op.resourceId}`, { query: { wait: true } });
    assert.equal(del.status, 'succeeded');
    const left = await c.request<{ items: unknown[] }>('GET', `/api/v1/nics?networkId=${net.id}`);
    assert.equal(left.items.length, 0);
    await c.delete('networks', net.id);
  });
});
