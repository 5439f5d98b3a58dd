import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ApiError, KumoClient, type Image, type ImageVersion, type Instance, type Operation, type Snapshot, type Volume } from '@kumo/api';
import { newId } from '@kumo/core';
import { startTestCloud, type TestCloud } from './testing/test-cloud.ts';

/** One tenant never sees or touches another's resources, through any route (a matrix, not a sample). */
describe('tenant isolation', () => {
  let cloud: TestCloud;
  const users: Record<'alice' | 'bob', { client: KumoClient; instanceId: string; keypairId: string; opId: string; accountId: string; volumeId: string; snapshotId: string }> = {} as never;

  before(async () => {
    cloud = await startTestCloud({ hosts: 1 });
    for (const name of ['alice', 'bob'] as const) {
      const acct = await cloud.client.create<{ id: string }>('accounts', { name, username: name, password: `${name}-password-1` });
      const client = new KumoClient({ baseUrl: cloud.url });
      client.setToken((await client.request<{ token: string }>('POST', '/api/v1/auth/login', { body: { username: name, password: `${name}-password-1` } })).token);
      const kp = await client.create<{ id: string }>('keypairs', { name: 'k', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBzYqk5P8d4k5pNnEF0O1iO2p2m9Kq0G3N5k3d1s5Xx user@host' });
      const op = await client.request<Operation>('POST', '/api/v1/instances', {
        query: { wait: true }, body: { name: 'vm', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, keypairId: kp.id },
      });
      assert.equal(op.status, 'succeeded', op.message);
      const vol = await client.request<Operation>('POST', '/api/v1/volumes', { query: { wait: true }, body: { name: 'data', zoneId: cloud.defaults.zoneId, sizeGiB: 1 } });
      assert.equal(vol.status, 'succeeded', vol.message);
      // A ready snapshot of it, as the host would have left it (taking snapshots is tested in the server's snapshot tests).
      const snapshotId = newId('snapshot');
      const now = new Date().toISOString();
      await cloud.server.ctx.repos.snapshots.insert({
        id: snapshotId, accountId: acct.id, volumeId: vol.resourceId, name: 'snap', sizeGiB: 1, sizeBytes: 0, location: 'image-store', poolId: (await cloud.server.ctx.repos.volumes.getAny(vol.resourceId))!.poolId, // tenants see no pool ids
        format: 'qcow2', storagePath: null, sha256: null, desired: 'ready', phase: 'ready', task: null, errorReason: null, version: 1, createdAt: now, updatedAt: now,
      });
      users[name] = { client, instanceId: op.resourceId, keypairId: kp.id, opId: op.id, accountId: acct.id, volumeId: vol.resourceId, snapshotId };
    }
  });
  after(async () => { await cloud.close(); });

  const notFound = async (p: Promise<unknown>, what: string) => {
    await assert.rejects(p, (e: ApiError) => { assert.equal(e.code, 'not_found', what); return true; }, what);
  };

  test('reads of another tenant\'s resources answer 404, and lists leave them out', async () => {
    const { client } = users.alice;
    const bob = users.bob;
    await notFound(client.get('instances', bob.instanceId), 'instance');
    await notFound(client.request('GET', `/api/v1/instances/${bob.instanceId}/volumes`), 'volumes of the instance');
    await notFound(client.requestText('GET', `/api/v1/instances/${bob.instanceId}/console/log`), 'console log');
    await notFound(client.request('GET', `/api/v1/instances/${bob.instanceId}/metrics`), 'metrics of the instance');
    await notFound(client.get('keypairs', bob.keypairId), 'key pair');
    await notFound(client.get('operations', bob.opId), 'operation');
    const lists: Array<[string, (x: Record<string, unknown>) => boolean]> = [
      ['instances', (x) => x.id === bob.instanceId],
      ['volumes', (x) => x.instanceId === bob.instanceId],
      ['keypairs', (x) => x.id === bob.keypairId],
      ['operations', (x) => x.resourceId === bob.instanceId],
      ['events', (x) => x.resourceId === bob.instanceId],
    ];
    for (const [resource, isBobs] of lists) {
      const items = await client.listAll<Record<string, unknown>>(resource);
      assert.equal(items.filter(isBobs).length, 0, `${resource} list shows nothing of bob's`);
      assert.ok(items.length > 0, `${resource} list shows alice's own`);
    }
    await assert.rejects(client.listAll('instances', { accountId: bob.accountId }), (e: ApiError) => e.code === 'forbidden');
  });

  test('writes to another tenant\'s resources answer 404 and change nothing', async () => {
    const { client } = users.alice;
    const bob = users.bob;
    for (const action of ['stop', 'reboot', 'pause', 'save'] as const) await notFound(client.instanceAction(bob.instanceId, action), action);
    await notFound(client.request('DELETE', `/api/v1/instances/${bob.instanceId}`), 'delete instance');
    await notFound(client.delete('keypairs', bob.keypairId), 'delete key pair');
    const still = await users.bob.client.get<Instance>('instances', bob.instanceId);
    assert.equal(still.phase, 'running');
    assert.equal(still.desired, 'running');
  });

  test('an instance cannot be created with another tenant\'s key pair', async () => {
    await assert.rejects(users.alice.client.create('instances', {
      name: 'sneaky', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, keypairId: users.bob.keypairId,
    }), (e: ApiError) => e.code === 'bad_request' && /key pair/.test(e.message));
  });

  test('images: another tenant\'s private images, versions and ISOs answer 404 (or a 400 naming the field) and change nothing', async () => {
    const bob = users.bob;
    const alice = users.alice;
    const bytes = Buffer.from('bob private bits');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const img = await bob.client.create<Image>('images', { name: 'bob-golden' });
    const v = await bob.client.upload<ImageVersion>(`/api/v1/images/${img.id}/versions/1/file`, { format: 'qcow2', sha256 }, bytes, bytes.length);
    const iso = await bob.client.create<Image>('images', { name: 'bob-iso', kind: 'iso' });
    await bob.client.upload<ImageVersion>(`/api/v1/images/${iso.id}/versions/1/file`, { format: 'iso', sha256 }, bytes, bytes.length);
    const { client } = alice;
    await notFound(client.request('GET', `/api/v1/images/${img.id}/versions`), 'version listing');
    await notFound(client.request('POST', `/api/v1/images/${img.id}/rollback`, { body: { versionId: v.id } }), 'rollback');
    await notFound(client.request('POST', `/api/v1/images/${img.id}/default`, { body: { versionId: v.id } }), 'default version');
    await notFound(client.request('DELETE', `/api/v1/images/${img.id}/versions/${v.id}`), 'version delete');
    await notFound(client.requestText('GET', `/api/v1/images/${img.id}/versions/${v.id}/file`), 'version file');
    await notFound(client.request('POST', `/api/v1/instances/${bob.instanceId}/capture`, { body: { name: 'stolen' } }), 'capture of another tenant\'s instance');
    await notFound(client.request('POST', `/api/v1/instances/${alice.instanceId}/cdrom`, { body: { imageId: iso.id } }), 'cdrom attach of another tenant\'s ISO');
    await notFound(client.request('POST', `/api/v1/instances/${bob.instanceId}/cdrom`, { body: { imageId: iso.id } }), 'cdrom of another tenant\'s instance');
    await notFound(client.request('DELETE', `/api/v1/instances/${bob.instanceId}/cdrom`), 'eject on another tenant\'s instance');
    await notFound(client.request('PATCH', `/api/v1/instances/${bob.instanceId}`, { body: { bootDevice: 'disk' } }), 'boot order of another tenant\'s instance');
    const launchFrom = (body: Record<string, unknown>) => client.request('POST', '/api/v1/instances', { body: { name: 'sneaky', zoneId: cloud.defaults.zoneId, offeringId: cloud.defaults.offeringIds.small, ...body } });
    await assert.rejects(launchFrom({ imageId: img.id }), (e: ApiError) => e.code === 'bad_request' && (e.details as { field?: string }).field === 'imageId');
    await assert.rejects(launchFrom({ imageId: img.id, imageVersion: '1' }), (e: ApiError) => e.code === 'bad_request' && (e.details as { field?: string }).field === 'imageId');
    await assert.rejects(launchFrom({ isoImageId: iso.id }), (e: ApiError) => e.code === 'bad_request' && (e.details as { field?: string }).field === 'isoImageId');
    // Capturing into a name bob uses makes alice's own image: names are per account.
    await client.request('POST', `/api/v1/instances/${alice.instanceId}/stop`, { query: { wait: true }, body: {} });
    const op = await client.request<Operation>('POST', `/api/v1/instances/${alice.instanceId}/capture`, { query: { wait: true }, body: { name: 'bob-golden' } });
    assert.equal(op.status, 'succeeded', op.message);
    const mine = await client.listAll<Image>('images', { name: 'bob-golden' });
    assert.deepEqual(mine.map((i) => i.accountId), [alice.accountId], 'alice sees only her own image of that name');
    const bobs = (await bob.client.request<{ items: ImageVersion[] }>('GET', `/api/v1/images/${img.id}/versions`)).items;
    assert.deepEqual(bobs.map((x) => [x.id, x.isDefault]), [[v.id, true]], 'bob\'s image did not change');
    await client.request('POST', `/api/v1/instances/${alice.instanceId}/start`, { query: { wait: true }, body: {} });
  });

  test('users cannot manage the infrastructure; admins see every tenant', async () => {
    const { client } = users.alice;
    await assert.rejects(client.list('hosts'), (e: ApiError) => e.code === 'forbidden');
    const hostId = (await cloud.client.listAll<{ id: string }>('hosts'))[0]!.id;
    await assert.rejects(client.request('GET', `/api/v1/hosts/${hostId}/metrics`), (e: ApiError) => e.code === 'forbidden');
    await assert.rejects(client.request('GET', `/api/v1/hosts/${hostId}/top`), (e: ApiError) => e.code === 'forbidden');
    const overview = await client.request<{ hosts: unknown[]; top: Record<string, Array<{ instanceId: string }>> }>('GET', '/api/v1/metrics/overview');
    assert.deepEqual(overview.hosts, [], 'no heat map of hosts for tenants');
    assert.ok(Object.values(overview.top).flat().every((u) => u.instanceId !== users.bob.instanceId), 'no top consumer of another tenant');
    await assert.rejects(client.create('zones', { name: 'mine' }), (e: ApiError) => e.code === 'forbidden');
    await assert.rejects(client.create('offerings', { name: 'free', vcpus: 64, memoryMiB: 65536, rootDiskGiB: 1 }), (e: ApiError) => e.code === 'forbidden');
    await assert.rejects(client.create('images', { name: 'pub', public: true }), (e: ApiError) => e.code === 'forbidden');
    const all = await cloud.client.listAll<Instance>('instances');
    assert.ok(all.some((i) => i.id === users.alice.instanceId) && all.some((i) => i.id === users.bob.instanceId));
  });

  test('volumes and snapshots: every verb on another tenant\'s answers 404 and changes nothing; lists leave them out', async () => {
    const { client } = users.alice;
    const bob = users.bob;
    const alice = users.alice;
    const req = (method: string, path: string, body?: unknown) => client.request(method, path, body === undefined ? {} : { body });
    const volumeVerbs: Array<[string, () => Promise<unknown>]> = [
      ['show volume', () => req('GET', `/api/v1/volumes/${bob.volumeId}`)],
      ['rename volume', () => req('PATCH', `/api/v1/volumes/${bob.volumeId}`, { name: 'mine' })],
      ['delete volume', () => req('DELETE', `/api/v1/volumes/${bob.volumeId}`)],
      ['attach bob\'s volume to alice\'s instance', () => req('POST', `/api/v1/volumes/${bob.volumeId}/attach`, { instanceId: alice.instanceId })],
      ['attach alice\'s volume to bob\'s instance', () => req('POST', `/api/v1/volumes/${alice.volumeId}/attach`, { instanceId: bob.instanceId })],
      ['detach volume', () => req('POST', `/api/v1/volumes/${bob.volumeId}/detach`)],
      ['resize volume', () => req('POST', `/api/v1/volumes/${bob.volumeId}/resize`, { sizeGiB: 5 })],
      ['restore bob\'s volume', () => req('POST', `/api/v1/volumes/${bob.volumeId}/restore`, { snapshotId: alice.snapshotId })],
      ['restore alice\'s volume to bob\'s snapshot', () => req('POST', `/api/v1/volumes/${alice.volumeId}/restore`, { snapshotId: bob.snapshotId })],
      ['snapshot bob\'s volume', () => req('POST', `/api/v1/volumes/${bob.volumeId}/snapshots`, { name: 'mine' })],
      ['snapshot bob\'s volume (by body)', () => req('POST', '/api/v1/snapshots', { volumeId: bob.volumeId, name: 'mine' })],
      ['show snapshot', () => req('GET', `/api/v1/snapshots/${bob.snapshotId}`)],
      ['delete snapshot', () => req('DELETE', `/api/v1/snapshots/${bob.snapshotId}`)],
      ['download snapshot', () => client.requestText('GET', `/api/v1/snapshots/${bob.snapshotId}/file`)],
      ['capture an image from bob\'s snapshot', () => req('POST', `/api/v1/snapshots/${bob.snapshotId}/capture`, { name: 'stolen-image' })],
      ['volume from bob\'s snapshot', () => req('POST', '/api/v1/volumes', { name: 'stolen', zoneId: cloud.defaults.zoneId, sizeGiB: 1, snapshotId: bob.snapshotId })],
    ];
    for (const [what, p] of volumeVerbs) await notFound(p(), what);
    const bobsVolume = await bob.client.request<Volume>('GET', `/api/v1/volumes/${bob.volumeId}`);
    assert.equal(bobsVolume.name, 'data');
    assert.equal(bobsVolume.sizeGiB, 1);
    assert.equal(bobsVolume.instanceId, null);
    assert.equal(bobsVolume.desired, 'ready');
    const bobsSnap = await bob.client.request<Snapshot>('GET', `/api/v1/snapshots/${bob.snapshotId}`);
    assert.equal(bobsSnap.desired, 'ready');
    assert.equal((await bob.client.listAll<Snapshot>('snapshots')).length, 1, 'no snapshot was added to bob\'s account');
    const vols = await client.listAll<Volume>('volumes');
    assert.equal(vols.filter((v) => v.accountId === bob.accountId).length, 0);
    assert.ok(vols.some((v) => v.id === alice.volumeId));
    const snaps = await client.listAll<Snapshot>('snapshots');
    assert.equal(snaps.filter((x) => x.accountId === bob.accountId).length, 0);
    assert.ok(snaps.some((x) => x.id === alice.snapshotId));
    assert.equal((await client.listAll<Snapshot>('snapshots', { volumeId: bob.volumeId })).length, 0, 'filtering by bob\'s volume shows nothing');
    assert.equal((await client.listAll<{ name: string }>('images', { name: 'stolen-image' })).length, 0, 'the refused capture made no image');
  });
  test('quotas, usage and audit: another tenant\'s answer 404 (or show nothing); only admins set quotas', async () => {
    const { client } = users.alice;
    const bob = users.bob;
    const from = new Date(Date.now() - 3_600_000).toISOString(); const to = new Date(Date.now() + 3_600_000).toISOString();
    await notFound(client.request('GET', `/api/v1/accounts/${bob.accountId}/quota`), 'quota');
    await notFound(client.request('GET', '/api/v1/usage', { query: { accountId: bob.accountId, from, to } }), 'usage');
    await assert.rejects(client.request('PUT', `/api/v1/accounts/${bob.accountId}/quota`, { body: { instances: 0 } }), (e: ApiError) => e.code === 'forbidden');
    await assert.rejects(client.request('PUT', `/api/v1/accounts/${users.alice.accountId}/quota`, { body: { instances: 99 } }), (e: ApiError) => e.code === 'forbidden');
    const audit = await client.request<{ items: Array<{ accountId: string }> }>('GET', '/api/v1/audit', { query: { accountId: bob.accountId } });
    assert.deepEqual(audit.items, [], 'none of bob\'s audit entries');
    const own = await client.request<{ items: Array<{ accountId: string }> }>('GET', '/api/v1/audit', { query: { limit: 100 } });
    assert.ok(own.items.length > 0 && own.items.every((e) => e.accountId === users.alice.accountId));
    const usage = await client.request<{ totals: Array<{ meter: string; quantity: number }> }>('GET', '/api/v1/usage', { query: { from, to } });
    assert.ok(usage.totals.some((t) => t.meter === 'instance.allocated' && t.quantity > 0), 'alice\'s own usage is there');
    assert.equal((await client.request<{ accountId: string }>('GET', `/api/v1/accounts/${users.alice.accountId}/quota`)).accountId, users.alice.accountId);
  });
});
