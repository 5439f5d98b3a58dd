import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCloud, eventually } from './testing/test-cloud.ts';

/** Where a network's router lives when its host's agent goes away (fake driver, real agent protocol and spec validation). */
describe('router placement when its host fails', () => {
  test('a router stays on a host that is only disconnected, and moves to another host once that one is down', async () => {
    const cloud = await startTestCloud({ hosts: 2, controller: { heartbeatIntervalMs: 100, hostDownAfterMs: 1500 } });
    try {
      const c = cloud.client; const zoneId = cloud.defaults.zoneId;
      await c.create('physical-networks', { zoneId, name: 'guest', trafficTypes: ['guest'], device: 'eth1', vniRange: { start: 5000, end: 5100 } });
      await c.create('physical-networks', { zoneId, name: 'public', trafficTypes: ['public'], device: 'eth2' });
      await c.create('public-ip-ranges', { zoneId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.20' });
      const net = await c.create<{ id: string; routerId: string }>('networks', { name: 'app', zoneId, cidr: '10.5.0.0/24' });
      const router = () => c.get<{ hostId: string | null }>('routers', net.routerId);
      const first = await eventually(async () => (await router()).hostId, 'router placed');
      const hostOf = (id: string) => cloud.hosts.find((h) => h.agent.hostId === id)!;
      await eventually(async () => hostOf(first).network.last?.routers.some((r) => r.networkId === net.id) ?? false, 'router spec on its host');

      hostOf(first).agent.kill(); // the agent dies without a goodbye; the host may well still forward
      await eventually(async () => (await c.get<{ state: string }>('hosts', first)).state === 'disconnected', 'host disconnected');
      // A change to the network makes the reconciler look at its router while the host is disconnected.
      await c.create('public-ips', { networkId: net.id });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await c.get<{ state: string }>('hosts', first)).state, 'disconnected', 'still only disconnected');
      assert.equal((await router()).hostId, first, 'a disconnected host keeps its router: no second copy answering for the same addresses');

      await eventually(async () => (await c.get<{ state: string }>('hosts', first)).state === 'down', 'host down', 10_000);
      const second = await eventually(async () => { const h = (await router()).hostId; return h !== first ? h : null; }, 'router moved', 10_000);
      const survivor = hostOf(second!);
      await eventually(async () => survivor.network.last?.routers.some((r) => r.networkId === net.id && r.nat.sourceNatIp === '203.0.113.10') ?? false,
        'the other host runs the router with the same source NAT address');
    } finally { await cloud.close(); }
  });
});
