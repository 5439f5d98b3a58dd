import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderDnsmasqConf, renderRouterNft } from '@kumo/netcfg';
import { SHARED, sharedSpec } from './integration/shared-network-spec.ts';
import { GUESTS, scenarioSpec } from './integration/two-host-spec.ts';
import {
  dhcpServerAddress, dhcpServerDnsmasqConfig, dhcpServerMetadataTable, METADATA_LOCAL_PORT, routerDnsmasqConfig, routerGuestAddress, routerNftConfig,
  routerRequiredPublicIps,
} from './router-artifacts.ts';

const spec = scenarioSpec(0, { generation: 1, hostIps: ['10.251.0.10', '10.251.0.11'] });
const router = spec.routers[0]!;

test('the router config gets fixed interface names, the metadata port and load balancer listeners', () => {
  const config = routerNftConfig(router);
  assert.equal(config.guestInterface, 'rg0');
  assert.equal(config.publicInterface, 'rp0');
  assert.equal(config.metadataPort, METADATA_LOCAL_PORT);
  assert.deepEqual(config.listeners, [{ publicIp: '203.0.113.11', port: 80 }]);
  assert.deepEqual(routerRequiredPublicIps(router), ['203.0.113.10', '203.0.113.11']);
  assert.match(renderRouterNft(config), /iifname "rg0" ip daddr 169\.254\.169\.254 tcp dport 80 redirect to :8775/);
  assert.equal(routerGuestAddress(router), '10.60.0.1/24');
});

test('dnsmasq serves the guest side with the network MTU and the router as gateway and resolver', () => {
  const config = routerDnsmasqConfig(router, spec.networks[0]!, { pidFile: '/s/d.pid', leaseFile: '/s/d.leases' });
  assert.deepEqual({ i: config.interface, gw: config.gateway, dns: config.dnsServers, mtu: config.mtu }, { i: 'rg0', gw: '10.60.0.1', dns: ['10.60.0.1'], mtu: 1450 });
  assert.deepEqual(config.hosts.map((h) => h.ip), [GUESTS.a0.ip, GUESTS.a1.ip]);
});

test('a shared network\'s dnsmasq: physical gateway, the server as resolver, option 121 with the metadata and default routes', () => {
  const shared = sharedSpec(0, { generation: 1 });
  const server = shared.dhcpServers[0]!;
  const config = dhcpServerDnsmasqConfig(server, shared.networks[0]!, { pidFile: '/s/d.pid', leaseFile: '/s/d.leases' });
  assert.deepEqual(
    { i: config.interface, gw: config.gateway, dns: config.dnsServers, via: config.metadataRouteVia, mtu: config.mtu },
    { i: 'rg0', gw: SHARED.gateway, dns: [SHARED.serverIp], via: SHARED.serverIp, mtu: 1500 },
  );
  const text = renderDnsmasqConf(config);
  assert.match(text, /^dhcp-option=option:router,10\.60\.0\.1$/m);
  assert.match(text, /^dhcp-option=option:classless-static-route,169\.254\.169\.254\/32,10\.60\.0\.250,0\.0\.0\.0\/0,10\.60\.0\.1$/m);
  assert.match(text, /^dhcp-range=10\.60\.0\.0,static,/m);
  assert.equal(dhcpServerAddress(server), '10.60.0.250/24');
  assert.deepEqual(dhcpServerMetadataTable(server), { networkId: SHARED.networkId, instances: server.metadata.instances });
});
