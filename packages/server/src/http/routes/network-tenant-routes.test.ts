import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Change } from '../../services/notifier.ts';
import { networkTestbed, seedZoneNetworking, type NetworkTestbed } from './network-test-fixture.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */

describe('networking API: networks, public IPs, NAT, firewall, egress, load balancers', () => {
  let t: NetworkTestbed;
  let rangeId: string;
  let guestPhysId: string;
  let aliceNet: any;
  before(async () => {
    t = await networkTestbed();
    ({ rangeId, guestId: guestPhysId } = await seedZoneNetworking(t));
  });
  after(async () => { await t.close(); });

  test('an isolated network: private CIDR, gateway first usable, VNI from the zone range, MTU 1450, a router with a source-NAT IP', async () => {
    const changes: Change[] = [];
    const stop = t.server.ctx.notifier.subscribe((c) => { if (c.kind === 'network') changes.push(c); });
    try {
      aliceNet = await t.ok(t.alice, 'POST', '/api/v1/networks', { name: 'app', zoneId: t.zoneId, cidr: '10.1.0.0/24' });
    } finally { stop(); }
    assert.equal(aliceNet.kind, 'isolated');
    assert.equal(aliceNet.gateway, '10.1.0.1');
    assert.equal(aliceNet.netmask, '255.255.255.0');
    assert.deepEqual(aliceNet.ipRange, { start: '10.1.0.2', end: '10.1.0.254' });
    assert.equal(aliceNet.segment, 'vxlan');
    assert.equal(aliceNet.vni, 5000);
    assert.equal(aliceNet.vlan, null);
    assert.equal(aliceNet.mtu, 1450);
    assert.equal(aliceNet.egressDefaultPolicy, 'allow');
    assert.match(aliceNet.routerId, /^rtr-/);
    assert.equal(aliceNet.sourceNatIp, '203.0.113.2');
    assert.ok(changes.some((c) => c.kind === 'network' && c.id === aliceNet.id && c.accountId === t.alice.accountId), 'a network change is published');
    const router = await t.ok(t.alice, 'GET', `/api/v1/routers/${aliceNet.routerId}`);
    assert.deepEqual([router.state, router.hostId, router.networkId], ['pending', null, aliceNet.id]);
    const ips = await t.ok(t.alice, 'GET', `/api/v1/public-ips?networkId=${aliceNet.id}`);
    assert.deepEqual(ips.items.map((i: any) => [i.address, i.sourceNat]), [['203.0.113.2', true]]);
  });

  test('network creation refuses what it cannot honour, naming the field', async () => {
    const base = { name: 'n2', zoneId: t.zoneId, cidr: '10.2.0.0/24' };
    const cases: Array<[Record<string, unknown>, number, string, RegExp?]> = [
      [{ cidr: '8.8.8.0/24' }, 400, 'cidr', /not a private range/],
      [{ cidr: '10.2.0.1/24' }, 400, 'cidr', /host bits/],
      [{ cidr: '10.2.0.0/30' }, 400, 'cidr'],
      [{ gateway: '10.3.0.1' }, 400, 'gateway'],
      [{ gateway: '10.2.0.255' }, 400, 'gateway'],
      [{ ipRange: { start: '10.2.0.50', end: '10.2.0.10' } }, 400, 'ipRange'],
      [{ mtu: 1500 }, 400, 'mtu', /at most 1450/],
      [{ kind: 'shared', ipRange: { start: '10.2.0.10', end: '10.2.0.20' } }, 403, 'kind'],
      [{ cidr: '10.1.0.128/25' }, 409, 'cidr'],
      [{ cidr: '10.0.0.0/8' }, 409, 'cidr'],
      [{ name: 'app' }, 409, 'name'],
      [{ segment: 'vxlan', vlan: 100 }, 400, 'vlan'],
      [{ segment: 'vlan', vlan: 150 }, 400, 'vlan', /outside the range/],
    ];
    for (const [patch, status, field, message] of cases) {
      const r = await t.call(t.alice, 'POST', '/api/v1/networks', { ...base, ...patch });
      assert.equal(r.status, status, `${JSON.stringify(patch)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.details.field, field, JSON.stringify(r.body));
      if (message) assert.match(r.body.error.message, message);
    }
    const overlap = await t.call(t.alice, 'POST', '/api/v1/networks', { ...base, cidr: '10.1.0.0/16' });
    assert.match(overlap.body.error.message, new RegExp(`overlaps 10.1.0.0/24 of network app \\(${aliceNet.id}\\)`));
    // Another account may use the same addresses: isolated networks are separate.
    const bobs = await t.ok(t.bob, 'POST', '/api/v1/networks', { name: 'app', zoneId: t.zoneId, cidr: '10.1.0.0/24' });
    assert.equal(bobs.vni, 5001);
    assert.equal(bobs.sourceNatIp, '203.0.113.3');
  });

  test('VLAN-segmented networks on request; VNIs and VLANs run out with 409 no_capacity', async () => {
    const v = await t.ok(t.alice, 'POST', '/api/v1/networks', { name: 'legacy', zoneId: t.zoneId, cidr: '10.9.0.0/24', segment: 'vlan' });
    assert.deepEqual([v.segment, v.vlan, v.vni, v.mtu], ['vlan', 100, null, 1500]);
    const taken = await t.call(t.bob, 'POST', '/api/v1/networks', { name: 'legacy', zoneId: t.zoneId, cidr: '10.9.0.0/24', vlan: 100 });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.details.field, 'vlan');
    await t.ok(t.bob, 'POST', '/api/v1/networks', { name: 'legacy', zoneId: t.zoneId, cidr: '10.9.0.0/24', segment: 'vlan' });
    const none = await t.call(t.admin, 'POST', '/api/v1/networks', { name: 'legacy', zoneId: t.zoneId, cidr: '10.9.0.0/24', segment: 'vlan' });
    assert.equal(none.status, 409);
    assert.equal(none.body.error.code, 'no_capacity');
  });

  test('a VLAN network is refused, naming the host, where a host of the zone reports no 802.1Q; nothing is written', async () => {
    const db = t.server.ctx.repos.db;
    const host = await db.selectFrom('hosts').select(['id', 'name']).where('zoneId', '=', t.zoneId).orderBy('name').executeTakeFirstOrThrow();
    await db.updateTable('hosts').set({ vlanCapable: 0 }).where('id', '=', host.id).execute();
    try {
      const before = (await t.ok(t.admin, 'GET', '/api/v1/networks')).items.length;
      const refused = await t.call(t.admin, 'POST', '/api/v1/networks', { name: 'tagged', zoneId: t.zoneId, cidr: '10.99.0.0/24', segment: 'vlan' });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.details.field, 'segment');
      assert.deepEqual(refused.body.error.details.hosts, [host.name]);
      assert.match(refused.body.error.message, /cannot create 802\.1Q VLAN interfaces .*VLAN_8021Q.*use a VXLAN network/);
      const sharedTagged = await t.call(t.admin, 'POST', '/api/v1/networks', { name: 'tagged-lan', zoneId: t.zoneId, kind: 'shared', cidr: '198.51.100.0/24', ipRange: { start: '198.51.100.10', end: '198.51.100.20' }, vlan: 300 });
      assert.equal(sharedTagged.body.error.details.field, 'vlan');
      assert.equal((await t.ok(t.admin, 'GET', '/api/v1/networks')).items.length, before, 'nothing was written');
      const vxlan = await t.ok(t.admin, 'POST', '/api/v1/networks', { name: 'tagged', zoneId: t.zoneId, cidr: '10.99.0.0/24' });
      assert.equal(vxlan.segment, 'vxlan', 'VXLAN networks are unaffected');
      await t.ok(t.admin, 'DELETE', `/api/v1/networks/${vxlan.id}`);
    } finally {
      await db.updateTable('hosts').set({ vlanCapable: null }).where('id', '=', host.id).execute();
    }
  });

  test('a shared network: admin only, needs an address range, visible to every account, changed by admins only', async () => {
    const noRange = await t.call(t.admin, 'POST', '/api/v1/networks', { name: 'lan', zoneId: t.zoneId, kind: 'shared', cidr: '192.0.2.0/24' });
    assert.equal(noRange.status, 400);
    assert.equal(noRange.body.error.details.field, 'ipRange');
    const lan = await t.ok(t.admin, 'POST', '/api/v1/networks', { name: 'lan', zoneId: t.zoneId, kind: 'shared', cidr: '192.0.2.0/24', gateway: '192.0.2.254', ipRange: { start: '192.0.2.100', end: '192.0.2.199' }, vlan: 120 });
    assert.deepEqual([lan.segment, lan.vlan, lan.mtu, lan.sourceNatIp, lan.gateway, lan.dhcpServerIp], ['vlan', 120, 1500, null, '192.0.2.254', '192.0.2.199']);
    const server = await t.ok(t.admin, 'GET', `/api/v1/routers/${lan.routerId}`);
    assert.deepEqual([server.networkId, server.publicIpId], [lan.id, null], 'the DHCP server is a router without a public address');
    const oneAddress = await t.call(t.admin, 'POST', '/api/v1/networks', { name: 'lan1', zoneId: t.zoneId, kind: 'shared', cidr: '198.51.100.0/24', ipRange: { start: '198.51.100.10', end: '198.51.100.10' } });
    assert.equal(oneAddress.status, 400);
    assert.equal(oneAddress.body.error.details.field, 'ipRange');
    for (const who of [t.alice, t.bob]) {
      const names = (await t.ok(who, 'GET', '/api/v1/networks')).items.map((n: any) => n.name);
      assert.ok(names.includes('lan'));
    }
    assert.equal((await t.call(t.alice, 'PATCH', `/api/v1/networks/${lan.id}`, { description: 'mine now' })).status, 404);
    assert.equal((await t.call(t.alice, 'DELETE', `/api/v1/networks/${lan.id}`)).status, 403);
    assert.equal((await t.call(t.admin, 'POST', '/api/v1/public-ips', { networkId: lan.id })).status, 400);
    const egress = await t.call(t.admin, 'POST', '/api/v1/egress-rules', { networkId: lan.id, protocol: 'all' });
    assert.equal(egress.status, 400);
  });

  test('one account never sees another\'s networks (404) and lists leave them out', async () => {
    assert.equal((await t.call(t.bob, 'GET', `/api/v1/networks/${aliceNet.id}`)).status, 404);
    assert.equal((await t.call(t.bob, 'PATCH', `/api/v1/networks/${aliceNet.id}`, { description: 'x' })).status, 404);
    assert.equal((await t.call(t.bob, 'DELETE', `/api/v1/networks/${aliceNet.id}`)).status, 404);
    assert.equal((await t.call(t.bob, 'GET', `/api/v1/routers/${aliceNet.routerId}`)).status, 404);
    const bobs = (await t.ok(t.bob, 'GET', '/api/v1/networks')).items;
    assert.ok(bobs.every((n: any) => n.accountId === t.bob.accountId || n.kind === 'shared'));
    const theirIps = (await t.ok(t.bob, 'GET', '/api/v1/public-ips')).items;
    assert.ok(theirIps.every((i: any) => i.accountId === t.bob.accountId));
    const sneaky = await t.call(t.bob, 'POST', '/api/v1/public-ips', { networkId: aliceNet.id });
    assert.equal(sneaky.status, 400);
    assert.equal(sneaky.body.error.details.field, 'networkId');
  });

  test('public IPs: allocate (a requested address or the lowest free), release; the source NAT IP stays with its network', async () => {
    const ip = await t.ok(t.alice, 'POST', '/api/v1/public-ips', { networkId: aliceNet.id });
    assert.equal(ip.sourceNat, false);
    const wanted = await t.ok(t.alice, 'POST', '/api/v1/public-ips', { networkId: aliceNet.id, address: '203.0.113.9' });
    assert.equal(wanted.address, '203.0.113.9');
    const again = await t.call(t.alice, 'POST', '/api/v1/public-ips', { networkId: aliceNet.id, address: '203.0.113.9' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.details.field, 'address');
    const outside = await t.call(t.alice, 'POST', '/api/v1/public-ips', { networkId: aliceNet.id, address: '203.0.113.200' });
    assert.equal(outside.status, 400);
    await t.ok(t.alice, 'DELETE', `/api/v1/public-ips/${wanted.id}`);
    const snat = (await t.ok(t.alice, 'GET', `/api/v1/public-ips?networkId=${aliceNet.id}`)).items.find((i: any) => i.sourceNat);
    const refused = await t.call(t.alice, 'DELETE', `/api/v1/public-ips/${snat.id}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'in_use');
    assert.equal((await t.call(t.bob, 'DELETE', `/api/v1/public-ips/${ip.id}`)).status, 404);
    // The range (8 addresses) runs out: a clear 409 no_capacity.
    const taken: string[] = [];
    for (;;) {
      const r = await t.call(t.alice, 'POST', '/api/v1/public-ips', { networkId: aliceNet.id });
      if (r.status !== 201) {
        assert.equal(r.status, 409);
        assert.equal(r.body.error.code, 'no_capacity');
        assert.match(r.body.error.message, /no free public IP left in the zone/);
        break;
      }
      taken.push(r.body.id);
    }
    const full = await t.call(t.alice, 'POST', '/api/v1/networks', { name: 'no-room', zoneId: t.zoneId, cidr: '10.50.0.0/24' });
    assert.equal(full.status, 409, 'a router needs a source-NAT address');
    assert.equal(full.body.error.code, 'no_capacity');
    assert.equal((await t.call(t.alice, 'GET', '/api/v1/networks?name=no-room')).body.items.length, 0, 'nothing was written');
    for (const id of taken) await t.ok(t.alice, 'DELETE', `/api/v1/public-ips/${id}`);
    const range = await t.ok(t.admin, 'GET', `/api/v1/public-ip-ranges/${rangeId}`);
    assert.equal((await t.call(t.admin, 'DELETE', `/api/v1/public-ip-ranges/${rangeId}`)).status, 409, `in use (${range.allocated} allocated)`);
  });

  test('port forwards: same-length ranges, no overlap on one IP and protocol, NIC of the IP\'s network; static NAT excludes them', async () => {
    const vm = await t.instance(t.alice, 'web');
    const [nic] = await t.nics(t.alice, vm, [{ networkId: aliceNet.id }]);
    assert.ok(nic);
    const ip = await t.ok(t.alice, 'POST', '/api/v1/public-ips', { networkId: aliceNet.id });
    const before = (await t.ok(t.alice, 'GET', `/api/v1/networks/${aliceNet.id}`)).configVersion;
    const pf = await t.ok(t.alice, 'POST', '/api/v1/port-forwards', { publicIpId: ip.id, protocol: 'tcp', publicPorts: { from: 8000, to: 8010 }, nicId: nic.id, privatePorts: { from: 9000, to: 9010 } });
    assert.deepEqual([pf.publicIp, pf.privateIp, pf.privatePorts], [ip.address, nic.ip, { from: 9000, to: 9010 }]);
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/networks/${aliceNet.id}`)).configVersion, before + 1, 'the network\'s config version is bumped');
    const same = await t.ok(t.alice, 'POST', '/api/v1/port-forwards', { publicIpId: ip.id, protocol: 'udp', publicPorts: { from: 8005, to: 8005 }, nicId: nic.id });
    assert.deepEqual(same.privatePorts, { from: 8005, to: 8005 }, 'private ports default to the public ones; udp does not clash with tcp');
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ publicPorts: { from: 8010, to: 8020 } }, 409, 'publicPorts'],
      [{ publicPorts: { from: 100, to: 110 }, privatePorts: { from: 100, to: 105 } }, 400, 'privatePorts'],
      [{ publicPorts: { from: 0, to: 10 } }, 400, 'publicPorts.from'],
      [{ publicPorts: { from: 10, to: 65536 } }, 400, 'publicPorts.to'],
      [{ publicPorts: { from: 20, to: 10 } }, 400, 'publicPorts'],
      [{ protocol: 'icmp' }, 400, 'protocol'],
    ];
    for (const [patch, status, field] of cases) {
      const r = await t.call(t.alice, 'POST', '/api/v1/port-forwards', { publicIpId: ip.id, protocol: 'tcp', publicPorts: { from: 22, to: 22 }, nicId: nic.id, ...patch });
      assert.equal(r.status, status, `${JSON.stringify(patch)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.details.field, field, JSON.stringify(r.body));
    }
    const lb = await t.call(t.alice, 'POST', '/api/v1/load-balancers', { name: 'clash', publicIpId: ip.id, publicPort: 8003 });
    assert.equal(lb.status, 409, 'a load balancer port inside a forwarded range is refused');
    assert.match(lb.body.error.message, new RegExp(pf.id));

    // A NIC of another network is refused.
    const bobNet = (await t.ok(t.bob, 'GET', '/api/v1/networks?name=app')).items[0];
    const bobVm = await t.instance(t.bob, 'bvm');
    const [bobNic] = await t.nics(t.bob, bobVm, [{ networkId: bobNet.id }]);
    const foreign = await t.call(t.alice, 'POST', '/api/v1/port-forwards', { publicIpId: ip.id, protocol: 'tcp', publicPorts: { from: 22, to: 22 }, nicId: bobNic?.id });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.body.error.details.field, 'nicId');

    // Static NAT: not on an IP with forwards, not on the source NAT IP, one per NIC.
    const busy = await t.call(t.alice, 'POST', `/api/v1/public-ips/${ip.id}/static-nat`, { nicId: nic.id });
    assert.equal(busy.status, 409);
    const snat = (await t.ok(t.alice, 'GET', `/api/v1/public-ips?networkId=${aliceNet.id}`)).items.find((i: any) => i.sourceNat);
    assert.equal((await t.call(t.alice, 'POST', `/api/v1/public-ips/${snat.id}/static-nat`, { nicId: nic.id })).status, 409);
    const eip = await t.ok(t.alice, 'POST', '/api/v1/public-ips', { networkId: aliceNet.id });
    const nat = await t.ok(t.alice, 'POST', `/api/v1/public-ips/${eip.id}/static-nat`, { nicId: nic.id });
    assert.equal(nat.staticNatNicId, nic.id);
    const eip2 = await t.ok(t.alice, 'POST', '/api/v1/public-ips', { networkId: aliceNet.id });
    const second = await t.call(t.alice, 'POST', `/api/v1/public-ips/${eip2.id}/static-nat`, { nicId: nic.id });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.details.field, 'nicId');
    const pfOnNat = await t.call(t.alice, 'POST', '/api/v1/port-forwards', { publicIpId: eip.id, protocol: 'tcp', publicPorts: { from: 22, to: 22 }, nicId: nic.id });
    assert.equal(pfOnNat.status, 409);
    assert.equal((await t.call(t.alice, 'DELETE', `/api/v1/public-ips/${eip.id}`)).status, 409, 'release refused while static NAT is on');
    await t.ok(t.alice, 'DELETE', `/api/v1/public-ips/${eip.id}/static-nat`);
    assert.equal((await t.call(t.alice, 'DELETE', `/api/v1/public-ips/${eip.id}/static-nat`)).status, 404);
    assert.equal((await t.call(t.bob, 'POST', `/api/v1/public-ips/${eip.id}/static-nat`, { nicId: bobNic?.id })).status, 404);
    await t.ok(t.alice, 'DELETE', `/api/v1/public-ips/${eip.id}`);
    await t.ok(t.alice, 'DELETE', `/api/v1/public-ips/${eip2.id}`);

    // Tenant matrix for the rule resources.
    assert.equal((await t.call(t.bob, 'GET', `/api/v1/port-forwards/${pf.id}`)).status, 404);
    assert.equal((await t.call(t.bob, 'DELETE', `/api/v1/port-forwards/${pf.id}`)).status, 404);
    assert.equal((await t.ok(t.bob, 'GET', '/api/v1/port-forwards')).items.length, 0);
    await t.ok(t.alice, 'DELETE', `/api/v1/port-forwards/${pf.id}`);
    await t.ok(t.alice, 'DELETE', `/api/v1/port-forwards/${same.id}`);
    await t.release(vm);
    await t.release(bobVm);
    await t.ok(t.alice, 'DELETE', `/api/v1/public-ips/${ip.id}`);
  });

  test('firewall and egress rules: protocol-specific fields checked, CIDR lists parsed, default egress policy switchable', async () => {
    const snat = (await t.ok(t.alice, 'GET', `/api/v1/public-ips?networkId=${aliceNet.id}`)).items.find((i: any) => i.sourceNat);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ protocol: 'icmp', ports: { from: 1, to: 2 } }, 'ports'],
      [{ protocol: 'tcp', icmpType: 8 }, 'icmpType'],
      [{ protocol: 'icmp', icmpCode: 0 }, 'icmpCode'],
      [{ protocol: 'tcp', sourceCidrs: ['10.0.0.1/8'] }, 'sourceCidrs[0]'],
      [{ protocol: 'tcp', sourceCidrs: [] }, 'sourceCidrs'],
    ];
    for (const [patch, field] of cases) {
      const r = await t.call(t.alice, 'POST', '/api/v1/firewall-rules', { publicIpId: snat.id, ...patch });
      assert.equal(r.status, 400, JSON.stringify(patch));
      assert.equal(r.body.error.details.field, field, JSON.stringify(r.body));
    }
    const fw = await t.ok(t.alice, 'POST', '/api/v1/firewall-rules', { publicIpId: snat.id, protocol: 'tcp', ports: { from: 22, to: 22 }, sourceCidrs: ['198.51.100.0/24'] });
    assert.deepEqual([fw.publicIp, fw.ports, fw.sourceCidrs, fw.icmpType], [snat.address, { from: 22, to: 22 }, ['198.51.100.0/24'], null]);
    const ping = await t.ok(t.alice, 'POST', '/api/v1/firewall-rules', { publicIpId: snat.id, protocol: 'icmp', icmpType: 8 });
    assert.deepEqual(ping.sourceCidrs, ['0.0.0.0/0']);
    assert.equal((await t.call(t.bob, 'GET', `/api/v1/firewall-rules/${fw.id}`)).status, 404);

    const eg = await t.ok(t.alice, 'POST', '/api/v1/egress-rules', { networkId: aliceNet.id, protocol: 'udp', ports: { from: 53, to: 53 } });
    assert.deepEqual(eg.destinationCidrs, ['0.0.0.0/0']);
    const before = (await t.ok(t.alice, 'GET', `/api/v1/networks/${aliceNet.id}`)).configVersion;
    const patched = await t.ok(t.alice, 'PATCH', `/api/v1/networks/${aliceNet.id}`, { egressDefaultPolicy: 'deny' });
    assert.equal(patched.egressDefaultPolicy, 'deny');
    assert.equal(patched.configVersion, before + 1);
    assert.equal((await t.call(t.bob, 'DELETE', `/api/v1/egress-rules/${eg.id}`)).status, 404);
    await t.ok(t.alice, 'DELETE', `/api/v1/egress-rules/${eg.id}`);
    await t.ok(t.alice, 'DELETE', `/api/v1/firewall-rules/${ping.id}`);
    assert.equal((await t.call(t.alice, 'DELETE', `/api/v1/public-ips/${snat.id}`)).status, 409);
  });

  test('load balancers: members on the same network, health check defaults, member add/remove, port clashes', async () => {
    const vms = await Promise.all(['lb1', 'lb2'].map((n) => t.instance(t.alice, n)));
    const nics = await Promise.all(vms.map(async (vm) => (await t.nics(t.alice, vm, [{ networkId: aliceNet.id }]))[0]!));
    const ip = await t.ok(t.alice, 'POST', '/api/v1/public-ips', { networkId: aliceNet.id });
    const lb = await t.ok(t.alice, 'POST', '/api/v1/load-balancers', {
      name: 'web', publicIpId: ip.id, publicPort: 80, privatePort: 8080, healthCheck: { httpPath: '/health' }, nicIds: [nics[0]!.id],
    });
    assert.deepEqual([lb.algorithm, lb.publicIp, lb.memberNicIds], ['roundrobin', ip.address, [nics[0]!.id]]);
    assert.deepEqual(lb.healthCheck, { intervalMs: 5000, rise: 2, fall: 3, httpPath: '/health' });
    const dupPort = await t.call(t.alice, 'POST', '/api/v1/load-balancers', { name: 'web2', publicIpId: ip.id, publicPort: 80 });
    assert.equal(dupPort.status, 409);
    assert.equal(dupPort.body.error.details.field, 'publicPort');
    const dupName = await t.call(t.alice, 'POST', '/api/v1/load-balancers', { name: 'web', publicIpId: ip.id, publicPort: 81 });
    assert.equal(dupName.body.error.details.field, 'name');
    const pf = await t.call(t.alice, 'POST', '/api/v1/port-forwards', { publicIpId: ip.id, protocol: 'tcp', publicPorts: { from: 70, to: 90 }, nicId: nics[0]!.id });
    assert.equal(pf.status, 409, 'a forwarded range over a load balancer port is refused');
    const m = await t.ok(t.alice, 'POST', `/api/v1/load-balancers/${lb.id}/members`, { nicId: nics[1]!.id });
    assert.deepEqual([m.nicId, m.ip, m.instanceId], [nics[1]!.id, nics[1]!.ip, vms[1]]);
    assert.equal((await t.call(t.alice, 'POST', `/api/v1/load-balancers/${lb.id}/members`, { nicId: nics[1]!.id })).status, 409);
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/load-balancers/${lb.id}/members`)).items.length, 2);
    const upd = await t.ok(t.alice, 'PATCH', `/api/v1/load-balancers/${lb.id}`, { algorithm: 'leastconn', healthCheck: null });
    assert.deepEqual([upd.algorithm, upd.healthCheck], ['leastconn', null]);
    assert.equal((await t.call(t.bob, 'GET', `/api/v1/load-balancers/${lb.id}/members`)).status, 404);
    assert.equal((await t.call(t.bob, 'POST', `/api/v1/load-balancers/${lb.id}/members`, { nicId: nics[1]!.id })).status, 404);
    // Destroying an instance takes its NIC out of the load balancer.
    await t.release(vms[1]!);
    assert.deepEqual((await t.ok(t.alice, 'GET', `/api/v1/load-balancers/${lb.id}`)).memberNicIds, [nics[0]!.id]);
    await t.ok(t.alice, 'DELETE', `/api/v1/load-balancers/${lb.id}/members/${nics[0]!.id}`);
    assert.equal((await t.call(t.alice, 'DELETE', `/api/v1/load-balancers/${lb.id}/members/${nics[0]!.id}`)).status, 404);
    await t.ok(t.alice, 'DELETE', `/api/v1/load-balancers/${lb.id}`);
    await t.release(vms[0]!);
    await t.ok(t.alice, 'DELETE', `/api/v1/public-ips/${ip.id}`);
  });

  test('a network with NICs cannot be deleted; without, it goes with its router, public IPs and rules', async () => {
    const net = await t.ok(t.alice, 'POST', '/api/v1/networks', { name: 'temp', zoneId: t.zoneId, cidr: '172.16.5.0/24' });
    const vm = await t.instance(t.alice, 'tmp');
    await t.nics(t.alice, vm, [{ networkId: net.id }]);
    const ip = await t.ok(t.alice, 'POST', '/api/v1/public-ips', { networkId: net.id });
    await t.ok(t.alice, 'POST', '/api/v1/firewall-rules', { publicIpId: ip.id, protocol: 'all' });
    await t.ok(t.alice, 'POST', '/api/v1/egress-rules', { networkId: net.id, protocol: 'icmp' });
    const busy = await t.call(t.alice, 'DELETE', `/api/v1/networks/${net.id}`);
    assert.equal(busy.status, 409);
    assert.equal(busy.body.error.code, 'in_use');
    assert.match(busy.body.error.message, new RegExp(vm));
    await t.release(vm);
    const changes: Change[] = [];
    const stop = t.server.ctx.notifier.subscribe((c) => { if (c.kind === 'network') changes.push(c); });
    try { await t.ok(t.alice, 'DELETE', `/api/v1/networks/${net.id}`); } finally { stop(); }
    assert.deepEqual(changes, [{ kind: 'network', id: net.id, accountId: t.alice.accountId }], 'the hosts are told, and so is the owner\'s live stream');
    assert.equal((await t.call(t.alice, 'GET', `/api/v1/routers/${net.routerId}`)).status, 404);
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/public-ips?networkId=${net.id}`)).items.length, 0);
    assert.equal((await t.call(t.admin, 'DELETE', `/api/v1/physical-networks/${guestPhysId}`)).status, 409, 'a physical network with networks cannot go');
  });
});
