import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiError, Image, ImageVersion, Instance, Operation, Volume } from '@kumo/api';
import { startTestCloud, type TestCloud } from './testing/test-cloud.ts';

/**
 * Images captured from instances, with versions, lineage, default and rollback; launching
 * `image:version`; delete rules; base garbage collection. Fake hosts over the real agent protocol:
 * a fake host's disks hold the files its guest "wrote", snapshots upload them to the image store
 * and volumes made from an image download them, so a captured image really carries the files.
 */
for (const dialect of ['sqlite', 'postgres'] as const) describe(`image capture and versions (${dialect})`, () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startTestCloud({ hosts: 1, dialect }); });
  after(async () => { await cloud.close(); });

  const c = () => cloud.client;
  const launch = async (name: string, body: Record<string, unknown>) => {
    const op = await c().request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name, zoneId: cloud.defaults.zoneId, offeringId: cloud.defaults.offeringIds.small, ...body } });
    assert.equal(op.status, 'succeeded', op.message);
    return c().get<Instance>('instances', op.resourceId);
  };
  const rootOf = async (id: string) => (await c().request<{ items: Volume[] }>('GET', `/api/v1/instances/${id}/volumes`)).items.find((v) => v.kind === 'root')!;
  const act = async (id: string, action: string) => {
    const op = await c().request<Operation>('POST', `/api/v1/instances/${id}/${action}`, { query: { wait: true }, body: {} });
    assert.equal(op.status, 'succeeded', `${action}: ${op.message}`);
  };
  const capture = (id: string, body: Record<string, unknown>) => c().request<Operation>('POST', `/api/v1/instances/${id}/capture`, { query: { wait: true }, body });
  const versions = async (imageId: string) => (await c().request<{ items: ImageVersion[] }>('GET', `/api/v1/images/${imageId}/versions`)).items;
  const host = () => cloud.hosts[0]!.volumes;
  const rejects = (p: Promise<unknown>, code: string, re: RegExp) => assert.rejects(p, (e: ApiError) => { assert.equal(e.code, code, e.message); assert.match(e.message, re); return true; });

  test('a captured image boots a new instance that has the file the first one wrote; versions, lineage, default, rollback, image:version', async () => {
    const src = await launch('src', { imageId: cloud.imageId });
    const srcRoot = await rootOf(src.id);
    host().writeFile(srcRoot.id, '/etc/marker', 'written by src');

    await rejects(capture(src.id, { name: 'golden' }), 'invalid_state', /stop it first/);
    await act(src.id, 'stop');
    const op = await capture(src.id, { name: 'golden' });
    assert.equal(op.status, 'succeeded', op.message);
    assert.equal(op.kind, 'image.capture');
    assert.equal(op.progress, 100);
    const golden = (await c().listAll<Image>('images', { name: 'golden' }))[0]!;
    assert.equal(golden.kind, 'template');
    assert.equal(golden.public, false);
    const [v1] = await versions(golden.id);
    assert.deepEqual([v1!.version, v1!.state, v1!.isDefault, v1!.sourceInstanceId, v1!.parentVersionId], ['1', 'ready', true, src.id, src.imageVersionId]);
    assert.equal(golden.defaultVersionId, v1!.id);

    const dst = await launch('dst', { imageId: golden.id });
    assert.equal(dst.imageVersionId, v1!.id);
    const dstRoot = await rootOf(dst.id);
    assert.equal(host().readFile(dstRoot.id, '/etc/marker'), 'written by src', 'the new instance has the file the first one wrote');

    // A second capture of the same name is version 2, on top of version 1, and the new default.
    host().writeFile(dstRoot.id, '/etc/second', 'written by dst');
    await act(dst.id, 'stop');
    assert.equal((await capture(dst.id, { name: 'golden' })).status, 'succeeded');
    let vs = await versions(golden.id);
    const v2 = vs.find((v) => v.version === '2')!;
    assert.equal(v2.parentVersionId, v1!.id, 'lineage');
    assert.deepEqual(vs.map((v) => [v.version, v.isDefault]), [['1', false], ['2', true]]);
    const third = await launch('third', { imageId: golden.id });
    assert.equal(third.imageVersionId, v2.id, 'the image alone launches its default');
    assert.equal(host().readFile((await rootOf(third.id)).id, '/etc/second'), 'written by dst');
    const pinned = await launch('pinned', { imageId: golden.id, imageVersion: '1' });
    assert.equal(pinned.imageVersionId, v1!.id, 'image:version launches that version');
    assert.equal(host().readFile((await rootOf(pinned.id)).id, '/etc/second'), undefined);
    await assert.rejects(c().request('POST', '/api/v1/instances', { body: { name: 'x', zoneId: cloud.defaults.zoneId, offeringId: cloud.defaults.offeringIds.small, imageId: golden.id, imageVersion: '9' } }),
      (e: ApiError) => e.code === 'bad_request' && (e.details as { field?: string }).field === 'imageVersion');

    // Rollback: the default's parent becomes the default again.
    const rolled = await c().request<ImageVersion>('POST', `/api/v1/images/${golden.id}/rollback`, { body: {} });
    assert.equal(rolled.id, v1!.id);
    vs = await versions(golden.id);
    assert.deepEqual(vs.map((v) => [v.version, v.isDefault]), [['1', true], ['2', false]]);
    assert.equal((await launch('after-rollback', { imageId: golden.id })).imageVersionId, v1!.id);
    await rejects(c().request('POST', `/api/v1/images/${golden.id}/rollback`, { body: {} }), 'bad_request', /no earlier version/);
    assert.equal((await c().request<ImageVersion>('POST', `/api/v1/images/${golden.id}/default`, { body: { versionId: v2.id } })).isDefault, true);

    // Delete rules: a version instances use is kept (409 naming them); the default needs a successor.
    await rejects(c().request('DELETE', `/api/v1/images/${golden.id}/versions/${v1!.id}`), 'in_use', /pinned/);
    for (const i of [dst, third, pinned]) await c().request('DELETE', `/api/v1/instances/${i.id}`, { query: { wait: true } });
    const afterRollback = (await c().listAll<Instance>('instances', { name: 'after-rollback' }))[0]!;
    await c().request('DELETE', `/api/v1/instances/${afterRollback.id}`, { query: { wait: true } });
    await rejects(c().request('DELETE', `/api/v1/images/${golden.id}/versions/${v2.id}`), 'conflict', /is the default/);
    assert.ok(host().cachedBases().includes(v1!.id), 'the host cached the base of version 1');
    let gc = await cloud.server.controller.baseGc.runOnce();
    assert.ok(!gc.removed.some((r) => r.imageVersionId === v1!.id), 'a base whose version exists is kept');
    await c().request('DELETE', `/api/v1/images/${golden.id}/versions/${v1!.id}`);
    assert.deepEqual((await versions(golden.id)).map((v) => [v.version, v.isDefault, v.parentVersionId]), [['2', true, null]], 'lineage to a deleted version is cleared');
    gc = await cloud.server.controller.baseGc.runOnce();
    assert.deepEqual(gc.removed.map((r) => r.imageVersionId), [v1!.id], 'the base of the deleted version, no longer used, is collected');
    assert.ok(!host().cachedBases().includes(v1!.id));
    assert.ok(host().gcRequests.at(-1)!.keepImageVersionIds.includes(v2.id), 'hosts are told which versions still exist');
    await c().request('DELETE', `/api/v1/instances/${src.id}`, { query: { wait: true } });
  });

  test('bad captures are refused with the field named, and change nothing', async () => {
    const inst = await launch('cap-bad', { imageId: cloud.imageId, start: false });
    const before = await versions(cloud.imageId);
    await rejects(capture(inst.id, { name: 'tiny', version: '1' }), 'conflict', /already has a version 1/); // the admin's own 'tiny' template
    await c().create<Image>('images', { name: 'an-iso', kind: 'iso' });
    await assert.rejects(capture(inst.id, { name: 'an-iso' }), (e: ApiError) => e.code === 'conflict' && (e.details as { field?: string }).field === 'name');
    assert.deepEqual(await versions(cloud.imageId), before, 'no version was added');
    await assert.rejects(capture(inst.id, { name: '' }), (e: ApiError) => e.code === 'bad_request');
    await assert.rejects(capture('instance-nope', { name: 'x' }), (e: ApiError) => e.code === 'not_found');
    assert.equal((await c().listAll<Image>('images', { name: 'x' })).length, 0);
    await c().request('DELETE', `/api/v1/instances/${inst.id}`, { query: { wait: true } });
  });

  test('a capture that fails on the host ends `failed` with the reason and leaves no file; while one runs the instance cannot start', async () => {
    const inst = await launch('cap-fail', { imageId: cloud.imageId });
    await act(inst.id, 'stop');
    host().failNextSnapshot('disk read error');
    const op = await capture(inst.id, { name: 'broken' });
    assert.equal(op.status, 'failed');
    assert.match(op.error?.message ?? '', /disk read error/);
    const broken = (await c().listAll<Image>('images', { name: 'broken' }))[0]!;
    const [v] = await versions(broken.id);
    assert.deepEqual([v!.state, v!.isDefault], ['failed', false]);
    assert.match(v!.failureReason ?? '', /disk read error/);
    assert.equal(existsSync(join(cloud.server.ctx.dataDir, 'images', v!.id)), false, 'no file of the failed version is left');
    assert.equal(existsSync(join(cloud.server.ctx.dataDir, 'images', `${v!.id}.partial`)), false);
    await rejects(launch('from-failed', { imageId: broken.id, imageVersionId: v!.id }), 'bad_request', /failed, not ready/);

    const release = host().holdNextSnapshot();
    const pending = await c().request<Operation>('POST', `/api/v1/instances/${inst.id}/capture`, { body: { name: 'broken' } });
    await rejects(c().instanceAction(inst.id, 'start'), 'instance_busy', /being captured/);
    await rejects(c().request('DELETE', `/api/v1/instances/${inst.id}`), 'instance_busy', /being captured/);
    await rejects(capture(inst.id, { name: 'broken' }), 'instance_busy', /being captured already/);
    release();
    const done = await c().waitOperation(pending.id);
    assert.equal(done.status, 'succeeded', done.message);
    const vs = await versions(broken.id);
    assert.deepEqual(vs.map((x) => [x.version, x.state, x.isDefault]), [['1', 'failed', false], ['2', 'ready', true]]);
    await c().request('DELETE', `/api/v1/images/${broken.id}/versions/${v!.id}`);
    await c().request('DELETE', `/api/v1/instances/${inst.id}`, { query: { wait: true } });
  });

  test('a capture whose host goes down fails (host_unavailable) and frees the instance', { timeout: 120_000 }, async () => {
    const [extra] = await cloud.addHosts(1, `gone-${dialect}`);
    const others = cloud.hosts.filter((h) => h !== extra);
    const toggle = (action: 'disable' | 'enable') => Promise.all(others.map((h) => c().request('POST', `/api/v1/hosts/${h.agent.hostId!}/actions`, { body: { action } })));
    await toggle('disable');
    let inst: Instance;
    try { inst = await launch('cap-gone', { imageId: cloud.imageId }); } finally { await toggle('enable'); }
    assert.equal(inst.hostId, extra!.agent.hostId);
    await act(inst.id, 'stop');
    extra!.volumes.holdNextSnapshot();
    const pending = await c().request<Operation>('POST', `/api/v1/instances/${inst.id}/capture`, { body: { name: 'gone' } });
    await extra!.agent.close();
    await cloud.server.ctx.repos.db.updateTable('hosts').set({ state: 'down' }).where('id', '=', inst.hostId!).execute();
    const done = await c().waitOperation(pending.id, { timeoutMs: 90_000 });
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, 'host_unavailable');
    assert.equal((await c().get<Instance>('instances', inst.id)).phase, 'stopped');
    assert.equal((await cloud.server.ctx.repos.imageVersions.captureOf(inst.id)), undefined, 'the instance is not being captured any more');
  });

  test('ISO install: blank root disk of the asked size, ISO in the CD-ROM, boots from it; eject, boot order, delete rules', async () => {
    const bytes = Buffer.from('fake ISO 9660 image');
    const iso = await c().create<Image>('images', { name: 'installer', kind: 'iso' });
    const v = await c().upload<ImageVersion>(`/api/v1/images/${iso.id}/versions/1/file`, { format: 'iso', sha256: createHash('sha256').update(bytes).digest('hex') }, bytes, bytes.length);
    await assert.rejects(launch('bad', { imageId: iso.id }), (e: ApiError) => (e.details as { field?: string }).field === 'imageId');
    await assert.rejects(launch('bad', { imageId: cloud.imageId, isoImageId: iso.id }), (e: ApiError) => (e.details as { field?: string }).field === 'isoImageId');
    await assert.rejects(launch('bad', { isoImageId: cloud.imageId }), (e: ApiError) => (e.details as { field?: string }).field === 'isoImageId');
    const inst = await launch('install', { isoImageId: iso.id, diskSizeGiB: 7 });
    assert.deepEqual([inst.cdrom, inst.bootDevice, inst.rootDiskGiB], [{ imageId: iso.id, imageVersionId: v.id }, 'cdrom', 7]);
    const root = await rootOf(inst.id);
    assert.equal(root.sizeGiB, 7);
    assert.deepEqual(host().cachedBases().filter((b) => b === v.id), [], 'the root disk is blank, not a clone of the ISO');
    const guest = cloud.hosts[0]!.driver.host.guests.get(inst.id)!;
    assert.deepEqual([guest.spec.cdrom !== undefined, guest.spec.boot.order], [true, 'cdrom'], 'the host got a CD-ROM drive, booted first');

    // Running: the host swaps the medium live (the fake host has the capability 'cdrom').
    assert.equal(cloud.hosts[0]!.driver.host.guests.get(inst.id)!.spec.cdrom?.iso?.imageVersionId, v.id, 'the guest booted with the ISO in its drive');
    const ejected = await c().request<Instance>('DELETE', `/api/v1/instances/${inst.id}/cdrom`);
    assert.deepEqual(ejected.cdrom, { imageId: null, imageVersionId: null });
    assert.equal(cloud.hosts[0]!.driver.host.guests.get(inst.id)!.spec.cdrom?.iso, undefined, 'the running guest\'s drive is empty');
    const inserted = await c().request<Instance>('POST', `/api/v1/instances/${inst.id}/cdrom`, { body: { imageId: iso.id } });
    assert.deepEqual(inserted.cdrom, { imageId: iso.id, imageVersionId: v.id });
    await rejects(c().request('DELETE', `/api/v1/images/${iso.id}/versions/${v.id}`), 'in_use', /install/);
    await rejects(c().delete('images', iso.id), 'in_use', /install/);
    await act(inst.id, 'stop');
    let after = await c().request<Instance>('DELETE', `/api/v1/instances/${inst.id}/cdrom`);
    assert.deepEqual(after.cdrom, { imageId: null, imageVersionId: null }, 'the drive stays, empty');
    after = await c().request<Instance>('PATCH', `/api/v1/instances/${inst.id}`, { body: { bootDevice: 'disk' } });
    assert.equal(after.bootDevice, 'disk');
    await assert.rejects(c().request('POST', `/api/v1/instances/${inst.id}/cdrom`, { body: { imageId: cloud.imageId } }), (e: ApiError) => (e.details as { field?: string }).field === 'imageId');
    after = await c().request<Instance>('POST', `/api/v1/instances/${inst.id}/cdrom`, { body: { imageId: iso.id } });
    assert.deepEqual(after.cdrom, { imageId: iso.id, imageVersionId: v.id });
    await act(inst.id, 'start');
    const restarted = cloud.hosts[0]!.driver.host.guests.get(inst.id)!;
    assert.deepEqual([restarted.spec.cdrom !== undefined, restarted.spec.boot.order], [true, undefined], 'boots from the disk now, the ISO still in the drive');
    await c().request('DELETE', `/api/v1/instances/${inst.id}`, { query: { wait: true } });
    await c().delete('images', iso.id);
  });
});
