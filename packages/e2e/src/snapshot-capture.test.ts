import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from '@kumo/core';
import { unpackKernelBundle, writeKernelBundle } from '@kumo/storage';
import type { ApiError, Image, ImageVersion, Instance, Operation, Snapshot, Volume } from '@kumo/api';
import { startTestCloud, type TestCloud } from './testing/test-cloud.ts';

/**
 * Images captured from snapshots, both locations: an image-store snapshot is copied by the server,
 * an RBD pool snapshot is exported by a fake host (volume.snapshotExport uploads the snapshot's
 * files). A file written to a volume before the snapshot is in an instance launched from the image.
 */
for (const dialect of ['sqlite', 'postgres'] as const) describe(`image capture from a snapshot (${dialect})`, () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startTestCloud({ hosts: 1, dialect }); });
  after(async () => { await cloud.close(); });

  const c = () => cloud.client;
  const host = () => cloud.hosts[0]!.volumes;
  const launch = async (name: string, body: Record<string, unknown>) => {
    const op = await c().request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name, zoneId: cloud.defaults.zoneId, offeringId: cloud.defaults.offeringIds.small, ...body } });
    assert.equal(op.status, 'succeeded', op.message);
    return c().get<Instance>('instances', op.resourceId);
  };
  const rootOf = async (id: string) => (await c().request<{ items: Volume[] }>('GET', `/api/v1/instances/${id}/volumes`)).items.find((v) => v.kind === 'root')!;
  const snapshot = async (volumeId: string, name: string) => {
    const op = await c().request<Operation>('POST', `/api/v1/volumes/${volumeId}/snapshots`, { query: { wait: true }, body: { name } });
    assert.equal(op.status, 'succeeded', op.message);
    return c().get<Snapshot>('snapshots', op.resourceId);
  };
  const capture = (snapshotId: string, body: Record<string, unknown>, wait = true) =>
    c().request<Operation>('POST', `/api/v1/snapshots/${snapshotId}/capture`, { query: { wait }, body });
  const imageNamed = async (name: string) => (await c().listAll<Image>('images', { name }))[0]!;
  const versions = async (imageId: string) => (await c().request<{ items: ImageVersion[] }>('GET', `/api/v1/images/${imageId}/versions`)).items;
  const rejects = (p: Promise<unknown>, code: string, re: RegExp) => assert.rejects(p, (e: ApiError) => { assert.equal(e.code, code, e.message); assert.match(e.message, re); return true; });
  const imagesDir = () => join(cloud.server.ctx.dataDir, 'images');

  test('an image-store snapshot is copied into a version; an instance from it has the file; a same-name capture is version 2 on top', async () => {
    const src = await launch('snap-src', { imageId: cloud.imageId });
    const root = await rootOf(src.id);
    host().writeFile(root.id, '/etc/marker', 'before the snapshot');
    const snap = await snapshot(root.id, 'snap-a');
    assert.equal(snap.location, 'image-store');
    host().writeFile(root.id, '/etc/later', 'after the snapshot');

    const op = await capture(snap.id, { name: 'from-snap', description: 'captured in a test' });
    assert.equal(op.status, 'succeeded', op.message);
    assert.equal(op.kind, 'image.capture');
    assert.equal(op.progress, 100);
    const image = await imageNamed('from-snap');
    const [v1] = await versions(image.id);
    assert.deepEqual([v1!.version, v1!.state, v1!.isDefault, v1!.sourceSnapshotId, v1!.sourceInstanceId, v1!.parentVersionId],
      ['1', 'ready', true, snap.id, null, src.imageVersionId], 'lineage goes to the version the volume was made from');
    assert.ok(existsSync(join(imagesDir(), v1!.id)));
    assert.equal(existsSync(join(imagesDir(), `${v1!.id}.partial`)), false);

    const dst = await launch('snap-dst', { imageId: image.id });
    const dstRoot = await rootOf(dst.id);
    assert.equal(host().readFile(dstRoot.id, '/etc/marker'), 'before the snapshot');
    assert.equal(host().readFile(dstRoot.id, '/etc/later'), undefined, 'what was written after the snapshot is not in the image');

    assert.equal((await capture(snap.id, { name: 'from-snap' })).status, 'succeeded');
    const vs = await versions(image.id);
    assert.deepEqual(vs.map((v) => [v.version, v.isDefault, v.parentVersionId]), [['1', false, src.imageVersionId], ['2', true, v1!.id]]);
    for (const i of [dst, src]) await c().request('DELETE', `/api/v1/instances/${i.id}`, { query: { wait: true } });
  });

  test('an RBD pool snapshot is exported by a host; an instance from the image has the file', async () => {
    const pool = await c().create<{ id: string }>('pools', { name: `ceph-${dialect}`, clusterId: cloud.defaults.clusterId, kind: 'rbd', rbdPool: 'kumo', capacityGiB: 100 });
    const vop = await c().request<Operation>('POST', '/api/v1/volumes', { query: { wait: true }, body: { name: 'rbd-data', zoneId: cloud.defaults.zoneId, sizeGiB: 1, poolId: pool.id } });
    assert.equal(vop.status, 'succeeded', vop.message);
    host().writeFile(vop.resourceId, '/data/payload', 'kept in ceph');
    const snap = await snapshot(vop.resourceId, 'rbd-snap');
    assert.equal(snap.location, 'pool');
    host().writeFile(vop.resourceId, '/data/payload', 'changed later');

    const op = await capture(snap.id, { name: 'from-rbd', version: 'v1' });
    assert.equal(op.status, 'succeeded', op.message);
    const image = await imageNamed('from-rbd');
    const [v] = await versions(image.id);
    assert.deepEqual([v!.version, v!.state, v!.isDefault, v!.sourceSnapshotId, v!.parentVersionId], ['v1', 'ready', true, snap.id, null]);
    const inst = await launch('rbd-dst', { imageId: image.id });
    assert.equal(host().readFile((await rootOf(inst.id)).id, '/data/payload'), 'kept in ceph', 'the export carried the snapshot, not the volume now');
    await c().request('DELETE', `/api/v1/instances/${inst.id}`, { query: { wait: true } });

    // A failed export ends the version `failed` with the reason, and no file.
    host().failNext('snapshotExport', 'rbd export broke', 'volume_failed');
    const failed = await capture(snap.id, { name: 'from-rbd' });
    assert.equal(failed.status, 'failed');
    assert.match(failed.error?.message ?? '', /rbd export broke/);
    const bad = (await versions(image.id)).find((x) => x.state === 'failed')!;
    assert.match(bad.failureReason ?? '', /rbd export broke/);
    assert.equal(existsSync(join(imagesDir(), bad.id)), false);
    assert.equal((await versions(image.id)).find((x) => x.isDefault)!.id, v!.id, 'the default stays the ready version');

    // While a capture runs the snapshot cannot be deleted (409 naming the capture).
    const release = host().holdNext('snapshotExport');
    const pending = await capture(snap.id, { name: 'from-rbd' }, false);
    await rejects(c().request('DELETE', `/api/v1/snapshots/${snap.id}`), 'in_use', new RegExp(`being captured into image version ${pending.resourceId}`));
    release();
    assert.equal((await c().waitOperation(pending.id)).status, 'succeeded');
    // A delete that raced the capture (the snapshot marked deleted during the export) fails it cleanly.
    const release2 = host().holdNext('snapshotExport');
    const raced = await capture(snap.id, { name: 'from-rbd' }, false);
    await cloud.server.ctx.repos.db.updateTable('snapshots').set({ desired: 'deleted' }).where('id', '=', snap.id).execute();
    release2();
    const racedDone = await c().waitOperation(raced.id);
    assert.equal(racedDone.status, 'failed');
    assert.match(racedDone.error?.message ?? '', /being deleted/);
    assert.equal(existsSync(join(imagesDir(), raced.resourceId)), false, 'no file of the failed version is left');
    await cloud.server.ctx.repos.db.updateTable('snapshots').set({ desired: 'ready' }).where('id', '=', snap.id).execute();
    const del = await c().request<Operation>('DELETE', `/api/v1/snapshots/${snap.id}`, { query: { wait: true } });
    assert.equal(del.status, 'succeeded', del.message);
    await rejects(capture(snap.id, { name: 'from-rbd' }), 'not_found', /not found/);
  });

  test('bad captures are refused and change nothing; a snapshot whose file vanished fails the capture cleanly', async () => {
    const local = (await c().listAll<{ id: string; kind: string }>('pools', {})).find((p) => p.kind !== 'rbd')!;
    const vop = await c().request<Operation>('POST', '/api/v1/volumes', { query: { wait: true }, body: { name: 'plain', zoneId: cloud.defaults.zoneId, sizeGiB: 1, poolId: local.id } });
    const snap = await snapshot(vop.resourceId, 'plain-snap');
    assert.equal(snap.location, 'image-store');
    await rejects(capture('snapshot-nope', { name: 'x' }), 'not_found', /snapshot-nope/);
    await assert.rejects(capture(snap.id, { name: '' }), (e: ApiError) => e.code === 'bad_request');
    await c().create<Image>('images', { name: `iso-${dialect}`, kind: 'iso' });
    await assert.rejects(capture(snap.id, { name: `iso-${dialect}` }), (e: ApiError) => e.code === 'conflict' && (e.details as { field?: string }).field === 'name');
    assert.equal((await c().listAll<Image>('images', { name: 'x' })).length, 0);

    const stored = (await cloud.server.ctx.repos.snapshots.getAny(snap.id))!.storagePath!;
    assert.ok(existsSync(stored), `the snapshot's file is at ${stored}`);
    rmSync(stored);
    const op = await capture(snap.id, { name: 'vanished' });
    assert.equal(op.status, 'failed');
    assert.match(op.error?.message ?? '', /no stored file/);
    const [v] = await versions((await imageNamed('vanished')).id);
    assert.deepEqual([v!.state, v!.isDefault], ['failed', false]);
    assert.equal(existsSync(join(imagesDir(), v!.id)), false);
  });
  test('a snapshot of a kernel-bundle guest\'s root disk is captured as a bundle with the same kernel, initrd and cmdline', async () => {
    const inst = await launch('bundle-src', { imageId: cloud.imageId, start: false });
    const root = await rootOf(inst.id);
    // The root volume came from a kernel bundle (a real bundle file in the image store).
    const dir = mkdtempSync(join(cloud.server.ctx.dataDir, 'bundle-src-'));
    const bundlePath = join(dir, 'source.tar');
    const written = await writeKernelBundle(bundlePath, { vmlinuz: Buffer.from('KERNEL'), initrd: Buffer.from('INITRD'), rootfs: Buffer.from('OLD-ROOT'), cmdline: 'console=ttyS0' });
    const bundleVersion = newId('imageVersion');
    const repos = cloud.server.ctx.repos;
    await repos.imageVersions.insert({
      id: bundleVersion, imageId: cloud.imageId, version: `bundle-${dialect}`, format: 'kernel-initrd', sizeBytes: written.sizeBytes, sha256: written.sha256, state: 'ready',
      cmdline: 'console=ttyS0', storagePath: bundlePath, createdAt: new Date().toISOString(), parentVersionId: null, sourceInstanceId: null, sourceSnapshotId: null, failureReason: null,
    });
    await repos.db.updateTable('volumes').set({ sourceImageVersionId: bundleVersion }).where('id', '=', root.id).execute();
    host().writeFile(root.id, '/etc/bundled', 'inside the bundle');
    const snap = await snapshot(root.id, 'bundle-snap');
    const op = await capture(snap.id, { name: 'bundle-capture' });
    assert.equal(op.status, 'succeeded', op.message);
    const [v] = await versions((await imageNamed('bundle-capture')).id);
    assert.deepEqual([v!.format, v!.state, v!.parentVersionId], ['kernel-initrd', 'ready', bundleVersion]);
    const stored = (await repos.imageVersions.getAny(v!.id))!;
    const out = join(dir, 'out');
    mkdirSync(out);
    const parts = await unpackKernelBundle(stored.storagePath, out);
    assert.equal(readFileSync(parts.kernel, 'utf8'), 'KERNEL');
    assert.equal(parts.cmdline, 'console=ttyS0');
    assert.match(readFileSync(parts.rootDisk!, 'utf8'), /inside the bundle/, 'the bundle\'s root disk is the snapshot\'s');
    rmSync(dir, { recursive: true, force: true });
    await c().request('DELETE', `/api/v1/instances/${inst.id}`, { query: { wait: true } });
  });
});
