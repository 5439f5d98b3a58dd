import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInstanceSpec } from '../../controller/instance-spec.ts';
import { storageTestbed, type StorageTestbed } from './storage-test-fixture.ts';

let t: StorageTestbed;
before(async () => { t = await storageTestbed(); });
after(async () => { await t.close(); });

/** Pools are weighed by their room: a roomy rbd pool takes root disks, which are layered clones the host makes from the image. */
test('an instance placed on an rbd pool gets a raw RBD root disk, made from its image on that pool, and its spec opens it through librbd', async () => {
  const pool = await t.ok(t.admin, 'POST', '/api/v1/pools', { name: 'ceph-root', clusterId: t.clusterId, kind: 'rbd', rbdPool: 'vms', cephUser: 'kumo', cephConf: '/etc/ceph/kumo.conf', capacityGiB: 100_000 });
  const images = await t.ok(t.alice, 'GET', '/api/v1/images');
  const offerings = await t.ok(t.alice, 'GET', '/api/v1/offerings');
  const op = await t.op(t.alice, 'POST', '/api/v1/instances', { name: 'on-ceph', zoneId: t.zoneId, imageId: images.items[0].id, offeringId: offerings.items[0].id, start: false });
  const vols = await t.ok(t.alice, 'GET', `/api/v1/instances/${op.resourceId}/volumes`);
  const root = vols.items[0];
  assert.equal(root.kind, 'root');
  assert.equal(root.poolId, null, 'the tenant is not told the pool (http/tenant-view.ts)');
  assert.equal((await t.ok(t.admin, 'GET', `/api/v1/volumes/${root.id}`)).poolId, pool.id);
  assert.equal(root.path, `rbd:vms/${root.id}`);
  assert.equal(root.format, 'raw');
  const create = t.callsOf('volume.create').find((c) => c.params.volumeId === root.id)!;
  assert.deepEqual(create.params.pool, { kind: 'rbd', pool: 'vms', user: 'kumo', cephConf: '/etc/ceph/kumo.conf' });
  assert.equal(create.params.poolPath, undefined, 'an rbd pool is no directory');
  assert.ok(create.params.image?.imageVersionId, 'the host clones the image\'s base');
  const { spec } = await buildInstanceSpec(t.repos, (await t.repos.instances.getAny(op.resourceId))!);
  assert.equal(spec.root?.kind, 'disk');
  const disk = spec.root?.kind === 'disk' ? spec.root.disk : undefined;
  assert.deepEqual(disk?.rbd, { pool: 'vms', image: root.id, user: 'kumo', cephConf: '/etc/ceph/kumo.conf' });
  assert.equal(disk?.format, 'raw');
});
