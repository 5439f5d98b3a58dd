import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kumo/api';
import { seedInfrastructure } from '@kumo/db/testing';
import { validateHostNetworkSpec } from '@kumo/netagent';
import { loadHostNetworkRows } from '../../services/network-spec-rows.ts';
import { allocateNics } from '../../services/network-nic-service.ts';
import { buildHostNetworkSpec } from '../../services/network-spec-builder.ts';
import { networkTestbed, seedZoneNetworking, type NetworkTestbed } from './network-test-fixture.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */

const refusal = (status: number, code: string, field: string) => (e: unknown) => {
  assert.ok(e instanceof ApiError, String(e));
  assert.deepEqual([e.status, e.code, (e.details as { field?: string }).field], [status, code, field], e.message);
  return true;
};

describe('NICs (allocateNics/releaseNics, /nics routes) and security groups', () => {
  let t: NetworkTestbed;
  let net: any; let lan: any; let small: any;
  before(async () => {
    t = await networkTestbed();
    await seedZoneNetworking(t);
    net = await t.ok(t.alice, 'POST', '/api/v1/networks', { name: 'app', zoneId: t.zoneId, cidr: '10.20.0.0/24' });
    small = await t.ok(t.alice, 'POST', '/api/v1/networks', { name: 'small', zoneId: t.zoneId, cidr: '10.21.0.0/29' });
    lan = await t.ok(t.admin, 'POST', '/api/v1/networks', { name: 'lan', zoneId: t.zoneId, kind: 'shared', cidr: '192.0.2.0/24', ipRange: { start: '192.0.2.100', end: '192.0.2.102' } });
  });
  after(async () => { await t.close(); });

  test('an instance gets one NIC per request: lowest free IP or the requested one, a fresh MAC, the account\'s default group', async () => {
    const vm = await t.instance(t.alice, 'vm1');
    const before = (await t.ok(t.alice, 'GET', `/api/v1/networks/${net.id}`)).configVersion;
    const nics = await t.nics(t.alice, vm, [{ networkId: net.id }, { networkId: lan.id, ip: '192.0.2.101' }]);
    assert.deepEqual(nics.map((n) => [n.deviceIndex, n.ip, n.pciSlot]), [[0, '10.20.0.2', 0x08], [1, '192.0.2.101', 0x09]]);
    for (const n of nics) assert.match(n.mac, /^52:54:00(:[0-9a-f]{2}){3}$/);
    assert.notEqual(nics[0]!.mac, nics[1]!.mac);
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/networks/${net.id}`)).configVersion, before + 1);
    const listed = await t.ok(t.alice, 'GET', `/api/v1/instances/${vm}/nics`);
    const groups = (await t.ok(t.alice, 'GET', '/api/v1/security-groups')).items;
    const def = groups.find((g: any) => g.name === 'default');
    assert.ok(def, 'the default group exists after first use');
    assert.deepEqual(listed.items.map((n: any) => [n.ip, n.gateway, n.netmask, n.securityGroupIds]), [
      ['10.20.0.2', '10.20.0.1', '255.255.255.0', [def.id]], ['192.0.2.101', '192.0.2.1', '255.255.255.0', [def.id]],
    ]);
    assert.equal((await t.call(t.bob, 'GET', `/api/v1/instances/${vm}/nics`)).status, 404);
    assert.equal((await t.call(t.bob, 'GET', `/api/v1/nics/${nics[0]!.id}`)).status, 404);
    assert.equal((await t.ok(t.bob, 'GET', '/api/v1/nics')).items.length, 0);
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/nics?networkId=${lan.id}`)).items.length, 1);
    // More NICs later continue the device numbering; a second NIC on a network is refused.
    const [third] = await t.nics(t.alice, vm, [{ networkId: small.id }]);
    assert.equal(third?.deviceIndex, 2);
    assert.equal(third?.pciSlot, 0x0a, 'the next free NIC slot');
    await assert.rejects(t.nics(t.alice, vm, [{ networkId: net.id }]), refusal(409, 'conflict', 'nics[0].networkId'));
  });

  test('NIC PCI slots: fixed per NIC, the lowest free one goes to the next NIC, a ninth NIC is refused and nothing changes', async () => {
    const vm = await t.instance(t.alice, 'slots');
    const nets = [];
    // Shared networks: isolated ones would each take one of the zone's few public addresses for a router.
    for (let i = 0; i < 9; i++) {
      nets.push(await t.ok(t.admin, 'POST', '/api/v1/networks', { name: `slot-${i}`, zoneId: t.zoneId, kind: 'shared', cidr: `198.18.${i}.0/24`, ipRange: { start: `198.18.${i}.10`, end: `198.18.${i}.20` } }));
    }
    const first = await t.nics(t.alice, vm, nets.slice(0, 6).map((n) => ({ networkId: n.id })));
    assert.deepEqual(first.map((n) => n.pciSlot), [8, 9, 10, 11, 12, 13]);
    await assert.rejects(t.nics(t.alice, vm, nets.slice(6, 9).map((n) => ({ networkId: n.id }))), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 409);
      assert.equal(e.code, 'no_capacity');
      assert.match(e.message, /at most 8 NICs/);
      assert.deepEqual(e.details, { field: 'nics[2].networkId', resource: 'pciSlot' });
      return true;
    });
    const listed = await t.ok(t.alice, 'GET', `/api/v1/instances/${vm}/nics`);
    assert.deepEqual(listed.items.map((n: any) => n.pciSlot), [8, 9, 10, 11, 12, 13], 'the refused request added nothing');
  });

  test('a MAC drawn twice loses on the unique constraint and is drawn again (retry on conflict)', async () => {
    const draws = [[0xab, 0, 1], [0xab, 0, 1], [0xab, 0, 2]];
    const randomBytes = () => Uint8Array.from(draws.shift() ?? [0xab, 0xff, 0xff]);
    const db = t.server.ctx.repos.db;
    const scope = { accountId: t.alice.accountId, admin: false };
    const [x, y] = [await t.instance(t.alice, 'mac1'), await t.instance(t.alice, 'mac2')];
    const [n1] = await db.transaction().execute((trx) => allocateNics(trx, scope, x, [{ networkId: net.id }], { randomBytes }));
    const [n2] = await db.transaction().execute((trx) => allocateNics(trx, scope, y, [{ networkId: net.id }], { randomBytes }));
    assert.deepEqual([n1?.mac, n2?.mac], ['52:54:00:ab:00:01', '52:54:00:ab:00:02']);
    assert.equal(draws.length, 0, 'the second allocation drew twice');
    await t.release(x); await t.release(y);
  });

  test('a static IP is honoured or refused naming the field; nothing is written on refusal', async () => {
    const vm = await t.instance(t.alice, 'vm2');
    const cases: Array<[string, string, number, string]> = [
      [net.id, '10.99.0.5', 400, 'out_of_range'],
      [net.id, '10.20.0.1', 400, 'reserved'],
      [net.id, '10.20.0.0', 400, 'reserved'],
      [net.id, '10.20.0.255', 400, 'reserved'],
      [net.id, '10.20.0.2', 409, 'in_use'],
      [lan.id, '192.0.2.50', 400, 'out_of_range'],
      [lan.id, '192.0.2.102', 400, 'reserved'],
      [net.id, '10.20.0.07', 400, 'invalid'],
    ];
    for (const [networkId, ip, status, reason] of cases) {
      await assert.rejects(t.nics(t.alice, vm, [{ networkId: small.id }, { networkId, ip }]), (e: unknown) => {
        refusal(status, status === 409 ? 'conflict' : 'bad_request', 'nics[1].ip')(e);
        assert.equal(((e as ApiError).details as { reason: string }).reason, reason);
        return true;
      }, `${ip}`);
    }
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/instances/${vm}/nics`)).items.length, 0, 'the refused request wrote nothing');
    const [n] = await t.nics(t.alice, vm, [{ networkId: net.id, ip: '10.20.0.200' }]);
    assert.equal(n?.ip, '10.20.0.200');
  });

  test('refusals for the networks and groups a NIC names', async () => {
    const vm = await t.instance(t.alice, 'vm3');
    const bobNet = await t.ok(t.bob, 'POST', '/api/v1/networks', { name: 'bnet', zoneId: t.zoneId, cidr: '10.30.0.0/24' });
    await assert.rejects(t.nics(t.alice, vm, [{ networkId: bobNet.id }]), refusal(400, 'bad_request', 'nics[0].networkId'));
    await assert.rejects(t.nics(t.alice, vm, [{ networkId: net.id }, { networkId: net.id }]), refusal(400, 'bad_request', 'nics[1].networkId'));
    const bobGroup = await t.ok(t.bob, 'POST', '/api/v1/security-groups', { name: 'bg' });
    await assert.rejects(t.nics(t.alice, vm, [{ networkId: net.id, securityGroupIds: [bobGroup.id] }]), refusal(400, 'bad_request', 'nics[0].securityGroupIds'));
    // An instance in another zone cannot join this zone's network.
    const other = await seedInfrastructure(t.server.ctx.repos, { hosts: 1 });
    const far = await t.instance(t.alice, 'far');
    await t.server.ctx.repos.db.updateTable('instances').set({ zoneId: other.zoneId }).where('id', '=', far).execute();
    await assert.rejects(t.nics(t.alice, far, [{ networkId: net.id }]), refusal(400, 'bad_request', 'nics[0].networkId'));
  });

  test('an exhausted network answers 409 no_capacity; released addresses are reused', async () => {
    // 10.21.0.0/29: .1 is the gateway, .2-.6 are for NICs (one taken by vm1 above).
    const vms: string[] = [];
    for (let i = 0; i < 4; i++) { const vm = await t.instance(t.alice, `s${i}`); vms.push(vm); await t.nics(t.alice, vm, [{ networkId: small.id }]); }
    const one = await t.instance(t.alice, 'one-too-many');
    await assert.rejects(t.nics(t.alice, one, [{ networkId: small.id }]), (e: unknown) => {
      refusal(409, 'no_capacity', 'nics[0].networkId')(e);
      assert.match((e as Error).message, /no free address left/);
      return true;
    });
    const released = await t.release(vms[1]!);
    assert.ok(released.includes(small.id), 'its network is told');
    assert.ok(released.includes(net.id), 'and so are networks whose NICs are in a group that names the default group as a peer');
    const [again] = await t.nics(t.alice, one, [{ networkId: small.id }]);
    assert.equal(again?.ip, '10.21.0.4');
  });

  test('the default group: EC2 semantics, created once, cannot be deleted', async () => {
    const list = (await t.ok(t.bob, 'GET', '/api/v1/security-groups')).items;
    const def = list.find((g: any) => g.name === 'default');
    assert.ok(def);
    assert.deepEqual(def.rules.map((r: any) => [r.direction, r.protocol, r.cidr, r.remoteGroupId]).sort(), [
      ['egress', 'all', '0.0.0.0/0', null], ['ingress', 'all', null, def.id],
    ]);
    await t.ok(t.bob, 'GET', '/api/v1/security-groups');
    assert.equal((await t.ok(t.bob, 'GET', '/api/v1/security-groups?name=default')).items.length, 1, 'listing again does not create another');
    const del = await t.call(t.bob, 'DELETE', `/api/v1/security-groups/${def.id}`);
    assert.equal(del.status, 409);
    assert.equal((await t.call(t.bob, 'POST', '/api/v1/security-groups', { name: 'default' })).status, 409);
    assert.equal((await t.call(t.alice, 'GET', `/api/v1/security-groups/${def.id}`)).status, 404);
  });

  test('security group rules: one peer each, protocol fields checked, no duplicates; changes reach the member NICs\' networks', async () => {
    const web = await t.ok(t.alice, 'POST', '/api/v1/security-groups', { name: 'web', description: 'http' });
    assert.deepEqual(web.rules, []);
    const vm = await t.instance(t.alice, 'webvm');
    const [nic] = await t.nics(t.alice, vm, [{ networkId: net.id, securityGroupIds: [web.id] }]);
    const before = (await t.ok(t.alice, 'GET', `/api/v1/networks/${net.id}`)).configVersion;
    const http = await t.ok(t.alice, 'POST', `/api/v1/security-groups/${web.id}/rules`, { direction: 'ingress', protocol: 'tcp', ports: { from: 80, to: 80 }, cidr: '0.0.0.0/0' });
    assert.deepEqual([http.ports, http.cidr, http.remoteGroupId], [{ from: 80, to: 80 }, '0.0.0.0/0', null]);
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/networks/${net.id}`)).configVersion, before + 1);
    const bobDefault = (await t.ok(t.bob, 'GET', '/api/v1/security-groups?name=default')).items[0];
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ protocol: 'tcp', ports: { from: 80, to: 80 }, cidr: '0.0.0.0/0' }, 409, 'direction'],
      [{ protocol: 'tcp', cidr: '10.0.0.0/8', remoteGroupId: web.id }, 400, 'remoteGroupId'],
      [{ protocol: 'tcp' }, 400, 'cidr'],
      [{ protocol: 'icmp', ports: { from: 1, to: 1 }, cidr: '0.0.0.0/0' }, 400, 'ports'],
      [{ protocol: 'udp', cidr: '10.0.0.1/8' }, 400, 'cidr'],
      [{ protocol: 'all', remoteGroupId: bobDefault.id }, 400, 'remoteGroupId'],
      [{ protocol: 'gre', cidr: '0.0.0.0/0' }, 400, 'protocol'],
    ];
    for (const [patch, status, field] of cases) {
      const r = await t.call(t.alice, 'POST', `/api/v1/security-groups/${web.id}/rules`, { direction: 'ingress', ...patch });
      assert.equal(r.status, status, `${JSON.stringify(patch)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.details.field, field, JSON.stringify(r.body));
    }
    await t.ok(t.alice, 'POST', `/api/v1/security-groups/${web.id}/rules`, { direction: 'ingress', protocol: 'icmp', icmpType: 8, remoteGroupId: web.id });
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/security-groups/${web.id}/rules`)).items.length, 2);
    assert.equal((await t.call(t.bob, 'POST', `/api/v1/security-groups/${web.id}/rules`, { direction: 'ingress', protocol: 'all', cidr: '0.0.0.0/0' })).status, 404);
    assert.equal((await t.call(t.bob, 'DELETE', `/api/v1/security-groups/${web.id}/rules/${http.id}`)).status, 404);

    // NIC membership: replaced in place, only with the owner's groups.
    const def = (await t.ok(t.alice, 'GET', '/api/v1/security-groups?name=default')).items[0];
    const patched = await t.ok(t.alice, 'PATCH', `/api/v1/nics/${nic!.id}`, { securityGroupIds: [def.id, web.id] });
    assert.deepEqual(patched.securityGroupIds, [def.id, web.id].sort());
    assert.equal((await t.call(t.alice, 'PATCH', `/api/v1/nics/${nic!.id}`, { securityGroupIds: [bobDefault.id] })).status, 400);
    assert.equal((await t.call(t.alice, 'PATCH', `/api/v1/nics/${nic!.id}`, { securityGroupIds: [] })).status, 400);
    assert.equal((await t.call(t.bob, 'PATCH', `/api/v1/nics/${nic!.id}`, { securityGroupIds: [bobDefault.id] })).status, 404);

    // A group with member NICs, or named by another group's rule, cannot be deleted.
    const busy = await t.call(t.alice, 'DELETE', `/api/v1/security-groups/${web.id}`);
    assert.deepEqual([busy.status, busy.body.error.code], [409, 'in_use']);
    const admins = await t.ok(t.alice, 'POST', '/api/v1/security-groups', { name: 'admins' });
    await t.ok(t.alice, 'POST', `/api/v1/security-groups/${web.id}/rules`, { direction: 'ingress', protocol: 'tcp', ports: { from: 22, to: 22 }, remoteGroupId: admins.id });
    const named = await t.call(t.alice, 'DELETE', `/api/v1/security-groups/${admins.id}`);
    assert.deepEqual([named.status, named.body.error.code], [409, 'in_use']);
    assert.match(named.body.error.message, /web/);
    await t.ok(t.alice, 'DELETE', `/api/v1/security-groups/${web.id}/rules/${http.id}`);
    await t.release(vm);
    const rules = (await t.ok(t.alice, 'GET', `/api/v1/security-groups/${web.id}/rules`)).items;
    for (const r of rules) await t.ok(t.alice, 'DELETE', `/api/v1/security-groups/${web.id}/rules/${r.id}`);
    await t.ok(t.alice, 'DELETE', `/api/v1/security-groups/${admins.id}`);
    await t.ok(t.alice, 'DELETE', `/api/v1/security-groups/${web.id}`);
  });

  test('from the database to a host\'s spec: loadHostNetworkRows → buildHostNetworkSpec passes the agent\'s validation', async () => {
    const [h0, h1] = t.hostIds as [string, string];
    const a = await t.instance(t.alice, 'spec-a', h0);
    const b = await t.instance(t.alice, 'spec-b', h1);
    const [na] = await t.nics(t.alice, a, [{ networkId: net.id }, { networkId: lan.id }]);
    const [nb] = await t.nics(t.alice, b, [{ networkId: net.id }]);
    await t.server.ctx.repos.db.updateTable('routers').set({ hostId: h0, state: 'running' }).where('networkId', '=', net.id).execute();
    const ip = await t.ok(t.alice, 'POST', '/api/v1/public-ips', { networkId: net.id });
    await t.ok(t.alice, 'POST', '/api/v1/port-forwards', { publicIpId: ip.id, protocol: 'tcp', publicPorts: { from: 2222, to: 2222 }, nicId: na!.id, privatePorts: { from: 22, to: 22 } });
    await t.ok(t.alice, 'POST', '/api/v1/firewall-rules', { publicIpId: ip.id, protocol: 'tcp', ports: { from: 2222, to: 2222 } });
    await t.ok(t.alice, 'POST', '/api/v1/load-balancers', { name: 'lb', publicIpId: ip.id, publicPort: 80, nicIds: [na!.id, nb!.id] });

    const spec0 = buildHostNetworkSpec(await loadHostNetworkRows(t.server.ctx.repos.db, h0, 3));
    validateHostNetworkSpec(JSON.parse(JSON.stringify(spec0)));
    const iso = spec0.networks.find((n) => n.networkId === net.id);
    assert.deepEqual(iso?.kind === 'isolated' && iso.segment.type === 'vxlan' ? [iso.segment.vni, iso.segment.peers] : null, [net.vni, ['10.0.0.2']]);
    assert.equal(spec0.networks.find((n) => n.networkId === lan.id)?.kind, 'shared');
    assert.deepEqual(spec0.nics.map((n) => n.ips[0]).sort(), [na!.ip, '192.0.2.100'].sort());
    const router = spec0.routers[0];
    assert.ok(router);
    assert.equal(router.nat.sourceNatIp, net.sourceNatIp);
    assert.ok(router.public.ips.includes(`${ip.address}/32`));
    assert.deepEqual(router.nat.portForwards?.map((p) => [p.publicIp, p.privateIp]), [[ip.address, na!.ip]]);
    assert.deepEqual(router.loadBalancers[0]?.backends.map((x) => x.ip).sort(), [na!.ip, nb!.ip].sort());
    assert.ok(router.dhcp.hosts.some((h) => h.hostname === 'spec-a'));

    const spec1 = buildHostNetworkSpec(await loadHostNetworkRows(t.server.ctx.repos.db, h1, 3));
    validateHostNetworkSpec(JSON.parse(JSON.stringify(spec1)));
    assert.deepEqual(spec1.networks.map((n) => n.networkId), [net.id]);
    assert.deepEqual(spec1.routers, []);
    const seg = spec1.networks[0]?.kind === 'isolated' ? spec1.networks[0].segment : null;
    assert.deepEqual(seg?.type === 'vxlan' ? seg.peers : null, ['10.0.0.1'], 'the router\'s and NIC\'s host is the peer');
  });
});
