import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInstanceSpec } from '../../controller/instance-spec.ts';
import { storageTestbed, type StorageTestbed } from './storage-test-fixture.ts';

/** Data volumes through the API with the controller running against a scripted agent boundary. */
describe('volumes API', () => {
  let t: StorageTestbed;
  before(async () => { t = await storageTestbed(); });
  after(async () => { await t.close(); });

  const volume = async (name: string, body: object = {}) => {
    const op = await t.op(t.alice, 'POST', '/api/v1/volumes', { name, zoneId: t.zoneId, sizeGiB: 3, poolId: t.poolIds[0], ...body });
    return t.ok(t.alice, 'GET', `/api/v1/volumes/${op.resourceId}`);
  };
  const count = async () => (await t.repos.db.selectFrom('volumes').select('id').execute()).length;

  test('a volume is exactly the size asked for, made on its pool by the host, and its pool holds the room', async () => {
    const before = (await t.repos.pools.get({ accountId: '', admin: true }, t.poolIds[0]!))!.allocatedGiB;
    const v = await volume('data-1', { sizeGiB: 7 });
    assert.equal(v.sizeGiB, 7);
    assert.equal(v.name, 'data-1');
    assert.equal(v.phase, 'ready');
    assert.equal(v.instanceId, null);
    const create = t.callsOf('volume.create').find((c) => c.params.volumeId === v.id)!;
    assert.equal(create.params.sizeGiB, 7);
    assert.equal(create.params.image, null, 'a blank volume');
    assert.equal(create.hostId, t.hostIds[0], 'a local pool\'s own host makes it');
    const after = (await t.repos.pools.get({ accountId: '', admin: true }, t.poolIds[0]!))!.allocatedGiB;
    assert.equal(after - before, 7);
  });

  test('bad input is refused naming the field, and nothing is created', async () => {
    const n = await count();
    const cases: Array<[object, string, number]> = [
      [{ name: 'x', zoneId: t.zoneId }, 'sizeGiB', 400],
      [{ name: 'x', zoneId: t.zoneId, sizeGiB: 0 }, 'sizeGiB', 400],
      [{ name: 'x', zoneId: t.zoneId, sizeGiB: 1, poolId: 'pool-nothere' }, 'poolId', 400],
      [{ name: 'x', zoneId: 'zone-nothere', sizeGiB: 1 }, 'zoneId', 400],
      [{ name: 'x', zoneId: t.zoneId, diskOfferingId: 'doff-nothere' }, 'diskOfferingId', 400],
      [{ name: 'x', zoneId: t.zoneId, sizeGiB: 1, snapshotId: 'snap-nothere' }, 'snapshotId', 404],
      [{ name: 'x', zoneId: t.zoneId, sizeGiB: 1_000_000 }, 'sizeGiB', 400],
    ];
    for (const [body, field, status] of cases) {
      const r = await t.call(t.alice, 'POST', '/api/v1/volumes', body);
      assert.equal(r.status, status, JSON.stringify(r.body));
      const named = r.body.error.details?.field ?? r.body.error.message;
      assert.match(String(named), new RegExp(field), `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
    }
    const huge = await t.call(t.alice, 'POST', '/api/v1/volumes', { name: 'huge', zoneId: t.zoneId, sizeGiB: 60000, poolId: t.poolIds[0] });
    assert.equal(huge.status, 409);
    assert.equal(huge.body.error.code, 'no_capacity');
    assert.equal(huge.body.error.details.field, 'sizeGiB');
    await volume('taken-name');
    const dup = await t.call(t.alice, 'POST', '/api/v1/volumes', { name: 'taken-name', zoneId: t.zoneId, sizeGiB: 1 });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.details.field, 'name');
    assert.equal(await count(), n + 1, 'only the one good volume was created');
  });

  test('a disk offering gives the size and the I/O limits; the pool is chosen when none is named', async () => {
    const off = await t.ok(t.admin, 'POST', '/api/v1/disk-offerings', { name: 'fast-5', sizeGiB: 5, readIops: 500, writeIops: 200, writeBytesPerSec: 50_000_000 });
    assert.deepEqual([off.readIops, off.writeIops, off.readBytesPerSec, off.writeBytesPerSec], [500, 200, null, 50_000_000]);
    const op = await t.op(t.alice, 'POST', '/api/v1/volumes', { name: 'qos', zoneId: t.zoneId, diskOfferingId: off.id });
    const v = await t.ok(t.alice, 'GET', `/api/v1/volumes/${op.resourceId}`);
    assert.equal(v.sizeGiB, 5);
    assert.equal(v.diskOfferingId, off.id);
    assert.equal(v.poolId, null, 'tenants see no pool ids');
    assert.ok(t.poolIds.includes((await t.ok(t.admin, 'GET', `/api/v1/volumes/${v.id}`)).poolId));
    const mismatch = await t.call(t.alice, 'POST', '/api/v1/volumes', { name: 'qos2', zoneId: t.zoneId, diskOfferingId: off.id, sizeGiB: 6 });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body.error.details.field, 'sizeGiB');
  });

  test('attach to a running instance hot-plugs at the next free data slot; a second attach, a delete and a shrink are refused', async () => {
    const vm = await t.instance(t.alice, 'vm-attach', 0);
    const other = await t.instance(t.alice, 'vm-other', 0);
    const v = await volume('hot');
    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/attach`, { instanceId: vm });
    const attached = await t.ok(t.alice, 'GET', `/api/v1/volumes/${v.id}`);
    assert.equal(attached.instanceId, vm);
    assert.equal(attached.pciSlot, 0x11, 'the first data disk slot');
    assert.equal(attached.task, null);
    const plug = t.callsOf('instance.attachDisk').at(-1)!;
    assert.deepEqual(plug.params, { instanceId: vm, disk: { volumeId: v.id, path: v.path, format: 'qcow2', pciSlot: 0x11, serial: v.serial } });

    const twice = await t.call(t.alice, 'POST', `/api/v1/volumes/${v.id}/attach`, { instanceId: other });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error.code, 'in_use');
    assert.equal(twice.body.error.details.field, 'instanceId');
    const del = await t.call(t.alice, 'DELETE', `/api/v1/volumes/${v.id}`);
    assert.equal(del.status, 409);
    assert.equal(del.body.error.code, 'in_use');
    const shrink = await t.call(t.alice, 'POST', `/api/v1/volumes/${v.id}/resize`, { sizeGiB: 2 });
    assert.equal(shrink.status, 400);
    assert.equal(shrink.body.error.details.field, 'sizeGiB');
    const same = await t.ok(t.alice, 'GET', `/api/v1/volumes/${v.id}`);
    assert.equal(same.sizeGiB, 3, 'nothing changed');
    assert.equal(same.instanceId, vm);

    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/resize`, { sizeGiB: 9 });
    assert.deepEqual(t.callsOf('instance.resizeDisk').at(-1)!.params, { instanceId: vm, volumeId: v.id, sizeGiB: 9 });
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/volumes/${v.id}`)).sizeGiB, 9);

    const { spec } = await buildInstanceSpec(t.repos, (await t.repos.instances.getAny(vm))!);
    assert.deepEqual(spec.disks.map((d) => [d.volumeId, d.pciSlot]), [[v.id, 0x11]], 'the next start builds the same machine');

    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/detach`);
    assert.deepEqual(t.callsOf('instance.detachDisk').at(-1)!.params, { instanceId: vm, volumeId: v.id, timeoutSec: 60 });
    const free = await t.ok(t.alice, 'GET', `/api/v1/volumes/${v.id}`);
    assert.equal(free.instanceId, null);
    assert.equal(free.pciSlot, null);
    await t.op(t.alice, 'DELETE', `/api/v1/volumes/${v.id}`);
    assert.equal((await t.call(t.alice, 'GET', `/api/v1/volumes/${v.id}`)).status, 404);
  });

  test('a stopped instance: attach, resize and detach change the database only (resize on the pool), and the next start carries the disk', async () => {
    const vm = await t.instance(t.alice, 'vm-stopped', 0, 'stopped');
    const v = await volume('cold');
    const plugs = t.callsOf('instance.attachDisk').length;
    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/attach`, { instanceId: vm });
    assert.equal(t.callsOf('instance.attachDisk').length, plugs, 'no hot-plug into a stopped guest');
    const { spec } = await buildInstanceSpec(t.repos, (await t.repos.instances.getAny(vm))!);
    assert.equal(spec.disks[0]?.volumeId, v.id);
    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/resize`, { sizeGiB: 4 });
    const grow = t.callsOf('volume.resize').at(-1)!;
    assert.deepEqual(grow.params, { volumeId: v.id, pool: { kind: 'directory', path: '/var/lib/kumo/pools/0' }, sizeGiB: 4 });
    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/detach`);
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/volumes/${v.id}`)).instanceId, null);
  });

  test('attach is refused when the volume\'s pool is not reachable from the instance\'s host, or the host cannot hot-plug', async () => {
    const far = await t.instance(t.alice, 'vm-far', 1);
    const v = await volume('local-to-h0');
    const r = await t.call(t.alice, 'POST', `/api/v1/volumes/${v.id}/attach`, { instanceId: far });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.details.field, 'instanceId');
    assert.match(r.body.error.message, /local pool of host .* cannot reach it/);
    assert.equal(r.body.error.details.poolId, null, 'tenants see no pool ids');
    assert.equal((await t.repos.volumes.getAny(v.id))!.poolId, t.poolIds[0]);

    await t.setCapabilities(0, ['save-restore', 'pause']);
    try {
      const near = await t.instance(t.alice, 'vm-near', 0);
      const c = await t.call(t.alice, 'POST', `/api/v1/volumes/${v.id}/attach`, { instanceId: near });
      assert.equal(c.status, 409);
      assert.equal(c.body.error.code, 'capability_missing');
      assert.equal(c.body.error.details.capability, 'hot-attach-disk');
    } finally { await t.setCapabilities(0, ['save-restore', 'pause', 'serial-console', 'hot-attach-disk', 'disk-resize-online', 'disk-qos', 'disk-backup', 'rbd']); }
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/volumes/${v.id}`)).instanceId, null, 'nothing changed');
  });

  test('a detach the guest does not honour in time fails with a clear message and the volume stays attached', async () => {
    const vm = await t.instance(t.alice, 'vm-stubborn', 0);
    const v = await volume('stuck');
    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/attach`, { instanceId: vm });
    t.script['instance.detachDisk'] = async () => { throw Object.assign(new Error('the guest did not release vol within 60 s'), { code: 'timeout' }); };
    try {
      const op = await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/detach`, undefined, 'failed');
      assert.match(op.error.message, /did not release volume .* within 60 s.*stays attached/);
    } finally { delete t.script['instance.detachDisk']; }
    const still = await t.ok(t.alice, 'GET', `/api/v1/volumes/${v.id}`);
    assert.equal(still.instanceId, vm);
    assert.equal(still.pciSlot, 0x11);
    assert.equal(still.task, null);
    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/detach`);
  });

  test('a new disk offering changes the limits of a running guest\'s disk live', async () => {
    const off = await t.ok(t.admin, 'POST', '/api/v1/disk-offerings', { name: 'slow-3', sizeGiB: 3, readBytesPerSec: 1_000_000, writeBytesPerSec: 1_000_000 });
    const vm = await t.instance(t.alice, 'vm-qos', 0);
    const v = await volume('limited');
    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/attach`, { instanceId: vm });
    await t.op(t.alice, 'PATCH', `/api/v1/volumes/${v.id}`, { diskOfferingId: off.id });
    assert.deepEqual(t.callsOf('instance.setDiskLimits').at(-1)!.params, { instanceId: vm, volumeId: v.id, limits: { readBytesPerSec: 1_000_000, writeBytesPerSec: 1_000_000 } });
    const { spec } = await buildInstanceSpec(t.repos, (await t.repos.instances.getAny(vm))!);
    assert.deepEqual(spec.disks[0]?.limits, { readBytesPerSec: 1_000_000, writeBytesPerSec: 1_000_000 }, 'and the next start applies them too');
    const bad = await t.call(t.alice, 'PATCH', `/api/v1/volumes/${v.id}`, { diskOfferingId: 'doff-nothere' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.field, 'diskOfferingId');
  });

  test('an agent that goes away during an attach: the volume waits in `attaching`, and the attach finishes once it is back', async () => {
    const vm = await t.instance(t.alice, 'vm-flaky', 0);
    const v = await volume('flaky');
    let fired = false;
    t.script['instance.attachDisk'] = async (_p, hostId) => { fired = true; t.connected.delete(hostId); throw new Error('connection lost'); };
    try {
      const pending = await t.call(t.alice, 'POST', `/api/v1/volumes/${v.id}/attach`, { instanceId: vm });
      assert.equal(pending.status, 202);
      await t.until(async () => fired, 'the attach reached the host');
      const waiting = await t.until(async () => { const r = await t.repos.volumes.getAny(v.id); return r?.task === 'attaching' ? r : null; }, 'the volume shows attaching');
      assert.equal(waiting.instanceId, null, 'not attached until the host says so');
      const op = await t.repos.operations.getAny(pending.body.id);
      assert.equal(op?.status, 'running', 'the operation waits, it is not failed');
    } finally { delete t.script['instance.attachDisk']; }
    t.connected.add(t.hostIds[0]!); // nothing else nudges it: the waiting step looks again by itself
    const done = await t.until(async () => { const r = await t.repos.volumes.getAny(v.id); return r?.instanceId === vm && r.task === null ? r : null; }, 'the attach finished');
    assert.equal(done.pciSlot, 0x11);
  });

  test('regression: deleting an instance deleted its attached data volumes — they are detached and kept', async () => {
    const vm = await t.instance(t.alice, 'vm-doomed', 0, 'stopped');
    const v = await volume('precious');
    await t.op(t.alice, 'POST', `/api/v1/volumes/${v.id}/attach`, { instanceId: vm });
    await t.op(t.alice, 'DELETE', `/api/v1/instances/${vm}`);
    const kept = await t.ok(t.alice, 'GET', `/api/v1/volumes/${v.id}`);
    assert.equal(kept.instanceId, null);
    assert.equal(kept.pciSlot, null);
    assert.equal(kept.phase, 'ready');
    assert.equal(t.callsOf('volume.delete').some((c) => c.params.volumeId === v.id), false, 'never deleted on the host');
  });
});
