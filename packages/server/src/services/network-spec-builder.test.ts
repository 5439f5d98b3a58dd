import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateHostNetworkSpec } from '@kumo/netagent';
import { buildHostNetworkSpec } from './network-spec-builder.ts';
import { hostnameOf } from './instance-hostname.ts';
import type { HostNetworkRows } from './network-spec-rows.ts';

const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

/** Compare with testdata/<name>, or (re)write it with UPDATE_GOLDEN=1 (then review the diff). */
function assertGolden(actual: unknown, name: string): void {
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  const path = testdata(name);
  if (process.env.UPDATE_GOLDEN === '1') { writeFileSync(path, text); return; }
  if (!existsSync(path)) assert.fail(`golden file ${path} is missing; run with UPDATE_GOLDEN=1 to create it, then review it`);
  assert.equal(text, readFileSync(path, 'utf8'), `the spec differs from ${path} (UPDATE_GOLDEN=1 rewrites it)`);
}

const zone = JSON.parse(readFileSync(testdata('network-spec-zone.rows.json'), 'utf8')) as HostNetworkRows;
const specFor = (hostId: string) => buildHostNetworkSpec({ ...zone, hostId });

describe('network spec builder (rows → HostNetworkSpec, golden files)', () => {
  for (const hostId of ['host-a', 'host-b', 'host-c']) {
    test(`${hostId}: matches testdata/network-spec-zone.${hostId}.json and passes the agent's validation`, () => {
      const spec = specFor(hostId);
      assertGolden(spec, `network-spec-zone.${hostId}.json`);
      // The agent's own check renders nft, dnsmasq, haproxy and security-group tables from it.
      assert.doesNotThrow(() => validateHostNetworkSpec(JSON.parse(JSON.stringify(spec))));
    });
  }

  test('host-a: VXLAN with the other member host as peer (its mapped underlay address), a tagged shared network, the router', () => {
    const spec = specFor('host-a');
    assert.equal(spec.generation, 7);
    const iso = spec.networks.find((n) => n.networkId === 'net-iso');
    assert.deepEqual(iso?.kind === 'isolated' ? iso.segment : null, { type: 'vxlan', vni: 5001, underlay: { device: 'eth1', localIp: '10.0.0.11' }, peers: ['192.168.50.12'] });
    assert.equal(iso?.mtu, 1450);
    const lan = spec.networks.find((n) => n.networkId === 'net-shared');
    assert.equal(lan?.kind === 'shared' ? lan.physicalDevice : null, 'eth1.120');
    assert.deepEqual(spec.nics.map((n) => n.nicId), ['nic-db', 'nic-db2', 'nic-sh', 'nic-web1'], 'only NICs of instances on this host, none of deleted instances');
    assert.equal(spec.nics.find((n) => n.nicId === 'nic-db2')?.tap, 'kt' + 'i-db'.slice(-10) + '1');
    assert.deepEqual(spec.nics.find((n) => n.nicId === 'nic-web1')?.dnsServers, ['10.1.0.1']);
    assert.deepEqual(spec.nics.find((n) => n.nicId === 'nic-sh')?.dnsServers, ['192.168.10.200'], 'shared networks: DNS from their DHCP server');
    assert.deepEqual(spec.dhcpServers, [], 'the shared network\'s DHCP server runs on host-b');
    assert.deepEqual(spec.securityGroups.find((g) => g.id === 'sg-web')?.memberIps, ['10.1.0.10', '10.1.0.11']);

    const [router] = spec.routers;
    assert.ok(router);
    assert.deepEqual(router.public, { ips: ['203.0.113.10/24', '203.0.113.11/32', '203.0.113.12/32', '203.0.113.13/32'], gateway: '203.0.113.1', attach: { bridge: 'br-pub' } });
    assert.deepEqual(router.nat.firewallRules?.map((f) => f.id), ['fw-eip-ping', 'fw-lb', 'fw-ssh'], 'the rule on an address the router does not use is left out');
    assert.deepEqual(router.nat.staticNats, [{ id: 'pip-eip', publicIp: '203.0.113.12', privateIp: '10.1.0.12' }]);
    assert.deepEqual(router.nat.egress?.defaultPolicy, 'deny');
    assert.deepEqual(router.loadBalancers[0]?.backends, [{ ip: '10.1.0.10', port: 8080 }, { ip: '10.1.0.11', port: 8080 }]);
    const names = router.dhcp.hosts.map((h) => h.hostname);
    assert.equal(new Set(names).size, names.length, 'hostnames are unique within the network');
    assert.ok(names.includes('pending-vm'), 'instances not yet placed still get a lease');
    const web1 = router.metadata.instances.find((m) => m.instanceId === 'i-web1');
    assert.equal(Buffer.from(web1?.userData ?? '', 'base64').toString('utf8'), '#cloud-config\npackages: [nginx]\n');
    assert.equal(web1?.publicKeys?.[0]?.name, 'alice-laptop');
    assert.equal(web1?.imageId, 'ami-0000000000000000tiny', 'EC2\'s ami-id: the image version\'s AMI id, as the EC2 API shows it');
    assert.equal(web1?.metadataHttpTokens, 'required');
    assert.equal(router.metadata.instances.find((m) => m.instanceId === 'i-db')?.metadataHttpTokens, undefined, 'optional is the default: left out');
    assert.equal(router.metadata.instances.find((m) => m.instanceId === 'i-db')?.publicIpv4, '203.0.113.12');
  });

  test('host-b: its own underlay mapping, host-a as peer (router and NICs there), no router of its own, the shared network\'s DHCP server', () => {
    const spec = specFor('host-b');
    assert.deepEqual(spec.networks.map((n) => n.networkId), ['net-iso', 'net-shared'], 'the DHCP server brings the shared network to host-b');
    const iso = spec.networks[0];
    assert.deepEqual(iso?.kind === 'isolated' ? iso.segment : null, { type: 'vxlan', vni: 5001, underlay: { device: 'eth2', localIp: '192.168.50.12' }, peers: ['10.0.0.11'] });
    assert.deepEqual(spec.routers, []);
    assert.deepEqual(spec.nics.map((n) => n.nicId), ['nic-web2']);
    const [server] = spec.dhcpServers;
    assert.equal(spec.dhcpServers.length, 1);
    assert.deepEqual({ id: server?.serverId, ip: server?.ip, gateway: server?.gateway, cidr: server?.cidr }, { id: 'rtr-shared', ip: '192.168.10.200', gateway: '192.168.10.1', cidr: '192.168.10.0/24' });
    assert.deepEqual(server?.dhcp.hosts.map((h) => h.ip), ['192.168.10.100', '192.168.10.101'], 'a lease for every NIC of the network, wherever its instance runs');
    assert.deepEqual(server?.metadata.instances.map((m) => m.ip), ['192.168.10.100', '192.168.10.101']);
  });

  test('a host without members gets an empty spec', () => {
    const spec = specFor('host-c');
    assert.deepEqual([spec.networks, spec.nics, spec.routers], [[], [], []]);
  });

  test('instance names become DNS labels', () => {
    assert.equal(hostnameOf('Web_1'), 'web-1');
    assert.equal(hostnameOf('a.b.c'), 'a-b-c');
    assert.equal(hostnameOf('___'), 'instance');
    assert.equal(hostnameOf('x'.repeat(80)).length, 63);
  });
});
