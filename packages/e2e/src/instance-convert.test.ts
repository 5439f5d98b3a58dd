import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiError, Image, ImageVersion, Instance, Nic, Operation } from '@kumo/api';
import { runKumo, type CliResult } from '@kumo/cli/testing';
import { startTestCloud, type TestCloud } from './testing/test-cloud.ts';

/**
 * KVM → LXC, server side (issue 14): POST /instances/{id}/convert over fake hosts and the real agent
 * protocol. The host's part (volume.rootfsTar) is the fake volume manager's here (it uploads the
 * disk's files); the real conversion of a disk is driver-lxc's vm-to-container.test.ts.
 */
describe('instance convert: a stopped VM becomes a container', () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startTestCloud({ hosts: 1 }); });
  after(async () => { await cloud.close(); });

  const c = () => cloud.client;
  const convert = (id: string, body: Record<string, unknown>) => c().request<Operation>('POST', `/api/v1/instances/${id}/convert`, { query: { wait: true }, body });
  const rejects = (p: Promise<unknown>, code: string, field: string | undefined, re: RegExp) => assert.rejects(p, (e: ApiError) => {
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    if (field) assert.equal((e.details as { field?: string } | undefined)?.field, field, e.message);
    return true;
  });
  const nicsOf = async (id: string) => (await c().request<{ items: Nic[] }>('GET', `/api/v1/instances/${id}/nics`)).items;

  test('the container has the VM\'s name, MAC, IP and security groups; the VM is renamed <name>-vm and stays stopped; refusals change nothing', async () => {
    const zoneId = cloud.defaults.zoneId;
    await c().create('physical-networks', { zoneId, name: 'guest', trafficTypes: ['guest'], device: 'eth1', vniRange: { start: 5200, end: 5300 } });
    await c().create('physical-networks', { zoneId, name: 'public', trafficTypes: ['public'], device: 'eth2' });
    await c().create('public-ip-ranges', { zoneId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.20' });
    const net = await c().create<{ id: string }>('networks', { name: 'conv', zoneId, cidr: '10.7.0.0/24' });
    const sg = await c().create<{ id: string }>('security-groups', { name: 'web' });
    const create = await c().request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: {
      name: 'app', zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, nics: [{ networkId: net.id, ip: '10.7.0.40', securityGroupIds: [sg.id] }],
    } });
    assert.equal(create.status, 'succeeded', create.message);
    const vmId = create.resourceId;
    const [vmNic] = await nicsOf(vmId);
    assert.ok(vmNic);

    // Refusals, each naming what is wrong, before anything is made.
    await rejects(convert(vmId, { to: 'container' }), 'invalid_state', undefined, /stop it first/);
    await rejects(convert(vmId, { to: 'vm' }), 'bad_request', undefined, /to/);
    await rejects(convert('instance-nope', { to: 'container' }), 'not_found', 'id', /not found/);
    const stop = await c().request<Operation>('POST', `/api/v1/instances/${vmId}/stop`, { query: { wait: true }, body: {} });
    assert.equal(stop.status, 'succeeded', stop.message);
    await rejects(convert(vmId, { to: 'container', keep: false }), 'bad_request', 'keep', /always kept/);
    const other = await c().request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name: 'taken', zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, start: false } });
    assert.equal(other.status, 'succeeded', other.message);
    await rejects(convert(vmId, { to: 'container', name: 'taken' }), 'conflict', 'name', /taken exists/);
    assert.equal((await c().listAll<Image>('images', { name: 'app-rootfs' })).length, 0, 'a refused conversion made no image');
    assert.equal((await c().get<Instance>('instances', vmId)).name, 'app');

    const op = await convert(vmId, { to: 'container' });
    assert.equal(op.status, 'succeeded', op.message);
    assert.equal(op.kind, 'instance.convert');

    // The host was asked for the root volume's file system, with the NIC to rename (enp0s<slot> → eth0).
    const asked = cloud.hosts[0]!.volumes.rootfsTarRequests;
    assert.equal(asked.length, 1);
    assert.deepEqual(asked[0]!.nics, [{ pciSlot: vmNic.pciSlot, index: 0 }]);

    const image = (await c().listAll<Image>('images', { name: 'app-rootfs' }))[0]!;
    const [version] = (await c().request<{ items: ImageVersion[] }>('GET', `/api/v1/images/${image.id}/versions`)).items;
    assert.deepEqual([version!.format, version!.state, version!.sourceInstanceId], ['rootfs-tar', 'ready', vmId]);

    const vm = await c().get<Instance>('instances', vmId);
    assert.deepEqual([vm.name, vm.phase, vm.desired], ['app-vm', 'stopped', 'stopped']);
    const container = (await c().listAll<Instance>('instances', { name: 'app' }))[0]!;
    assert.ok(container, 'the container took the VM\'s name');
    assert.notEqual(container.id, vmId);
    assert.deepEqual([container.type, container.imageVersionId, container.desired], ['container', version!.id, 'stopped']);
    const moved = await nicsOf(container.id);
    assert.deepEqual(moved.map((n) => [n.id, n.mac, n.ip, n.securityGroupIds]), [[vmNic.id, vmNic.mac, '10.7.0.40', [sg.id]]]);
    assert.deepEqual(await nicsOf(vmId), [], 'the VM\'s NICs moved to the container');

    // The container starts (the fake host runs both types) with the VM's NIC: its host's network
    // spec carries the same MAC, IP and security group, now for the container.
    const start = await c().request<Operation>('POST', `/api/v1/instances/${container.id}/start`, { query: { wait: true }, body: {} });
    assert.equal(start.status, 'succeeded', start.message);
    assert.equal((await c().get<Instance>('instances', container.id)).phase, 'running');
    const spec = cloud.hosts[0]!.network.last;
    assert.deepEqual(spec?.nics.filter((n) => n.nicId === vmNic.id).map((n) => [n.instanceId, n.mac, n.ips, n.securityGroupIds]), [[container.id, vmNic.mac, ['10.7.0.40'], [sg.id]]]);

    // A container does not convert again; the renamed VM needs a free name for its container.
    await rejects(convert(container.id, { to: 'container' }), 'invalid_state', 'id', /container already/);
  });
  async function kumo(...args: string[]): Promise<CliResult> {
    return runKumo(cloud.url, ['-o', 'json', ...args], cloud.adminToken);
  }

  test('kumo instance convert --to container --name --wait: the container has the new name, the VM keeps its own', async () => {
    const create = await c().request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name: 'db', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, start: false } });
    assert.equal(create.status, 'succeeded', create.message);
    const bad = await kumo('instance', 'convert', 'db', '--to', 'vm');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /converts only to a container/);
    const r = await kumo('instance', 'convert', 'db', '--to', 'container', '--keep', '--name', 'db-ct', '--wait');
    assert.equal(r.code, 0, r.err);
    const op = JSON.parse(r.out) as Operation;
    assert.deepEqual([op.kind, op.status], ['instance.convert', 'succeeded']);
    assert.match(op.message, /container db-ct/);
    assert.equal((await c().get<Instance>('instances', create.resourceId)).name, 'db', 'the VM keeps its name when the container has another');
    const ct = (await c().listAll<Instance>('instances', { name: 'db-ct' }))[0];
    assert.equal(ct?.type, 'container');
  });
  test('a conversion that fails on the host ends failed with the reason; the VM keeps its name and NICs', async () => {
    const create = await c().request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name: 'cache', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, start: false } });
    assert.equal(create.status, 'succeeded', create.message);
    const nicsBefore = await nicsOf(create.resourceId);
    cloud.hosts[0]!.volumes.failNext('rootfsTar', 'no file system found on the disk', 'volume_failed');
    const op = await convert(create.resourceId, { to: 'container' });
    assert.equal(op.status, 'failed');
    assert.match(op.error?.message ?? '', /no file system found/);
    const vm = await c().get<Instance>('instances', create.resourceId);
    assert.deepEqual([vm.name, vm.phase, vm.type], ['cache', 'stopped', 'vm']);
    assert.deepEqual(await nicsOf(vm.id), nicsBefore);
    assert.equal((await c().listAll<Instance>('instances', { name: 'cache-vm' })).length, 0, 'no rename, no container');
    // The VM is free again: a second try works.
    assert.equal((await convert(vm.id, { to: 'container' })).status, 'succeeded');
  });
  test('a conversion interrupted after the root file system was stored (a restart before the container was made) finishes on resync', async () => {
    const create = await c().request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name: 'queue', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, start: false } });
    assert.equal(create.status, 'succeeded', create.message);
    const done = await convert(create.resourceId, { to: 'container' });
    assert.equal(done.status, 'succeeded', done.message);
    // Put the database back as a server stopped between the two steps left it: version ready, operation running, no container.
    const db = cloud.server.ctx.repos.db;
    const ct = (await c().listAll<Instance>('instances', { name: 'queue' }))[0]!;
    await db.updateTable('nics').set({ instanceId: create.resourceId }).where('instanceId', '=', ct.id).execute();
    await db.deleteFrom('instances').where('id', '=', ct.id).execute();
    await db.updateTable('instances').set({ name: 'queue' }).where('id', '=', create.resourceId).execute();
    await db.updateTable('operations').set({ status: 'running' }).where('id', '=', done.id).execute();
    assert.equal((await cloud.server.ctx.repos.imageVersions.getAny(done.resourceId))?.state, 'ready');

    await cloud.server.controller.resync();
    const final = await c().request<Operation>('GET', `/api/v1/operations/${done.id}`, { query: { wait: true } });
    assert.equal(final.status, 'succeeded', final.message);
    const again = (await c().listAll<Instance>('instances', { name: 'queue' }))[0];
    assert.equal(again?.id, ct.id, 'the container (its id chosen with the request) is made');
    assert.equal((await c().get<Instance>('instances', create.resourceId)).name, 'queue-vm');
  });
});
