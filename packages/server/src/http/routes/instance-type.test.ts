import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@kumo/core';
import { storageTestbed, type StorageTestbed } from './storage-test-fixture.ts';

let t: StorageTestbed;
before(async () => { t = await storageTestbed(); });
after(async () => { await t.close(); });

test('an instance\'s type follows its image: a root-fs tarball makes a container, shown in the instance and its list; a contradicting type is refused naming the field', async () => {
  const now = new Date().toISOString();
  const ctImage = newId('image');
  await t.repos.images.insert({ id: ctImage, accountId: t.admin.accountId, name: 'tiny-ct', description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now });
  await t.repos.imageVersions.insert({ id: newId('imageVersion'), imageId: ctImage, version: '1', format: 'rootfs-tar', sizeBytes: 1, sha256: 'b'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now });
  const vmImage = (await t.ok(t.alice, 'GET', '/api/v1/images')).items.find((i: { name: string }) => i.name === 'tiny').id;
  const offeringId = (await t.ok(t.alice, 'GET', '/api/v1/offerings')).items[0].id;
  const create = (name: string, imageId: string, type?: string) => t.call(t.alice, 'POST', '/api/v1/instances', { name, zoneId: t.zoneId, imageId, offeringId, start: false, ...(type ? { type } : {}) });

  const ct = await t.op(t.alice, 'POST', '/api/v1/instances', { name: 'ct1', zoneId: t.zoneId, imageId: ctImage, offeringId, start: false, type: 'container' });
  const vm = await t.op(t.alice, 'POST', '/api/v1/instances', { name: 'vm1', zoneId: t.zoneId, imageId: vmImage, offeringId, start: false });
  assert.equal((await t.ok(t.alice, 'GET', `/api/v1/instances/${ct.resourceId}`)).type, 'container');
  assert.equal((await t.ok(t.alice, 'GET', `/api/v1/instances/${vm.resourceId}`)).type, 'vm');
  const listed = new Map((await t.ok(t.alice, 'GET', '/api/v1/instances')).items.map((i: { id: string; type: string }) => [i.id, i.type]));
  assert.deepEqual([listed.get(ct.resourceId), listed.get(vm.resourceId)], ['container', 'vm']);

  const wrong = await create('ct2', ctImage, 'vm');
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.error.details.field, 'type');
  assert.equal((await create('vm2', vmImage, 'container')).status, 400);
  assert.equal((await t.ok(t.alice, 'GET', '/api/v1/instances')).items.length, 2, 'a refused create changes nothing');
});
