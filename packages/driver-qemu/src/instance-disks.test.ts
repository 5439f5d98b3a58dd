// The disk calls of the QEMU driver against a scripted QMP peer (MockBlockQemu on MockQmp): the exact
// QMP commands, idempotency, undo on failure, the detach timeout, persistence in spec.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, type DiskSpec } from '@kumo/core';
import { attachDisk, detachDisk, resizeDisk, setDiskLimits } from './instance-disks.ts';
import { liveHarness } from './testing/live-harness.ts';
import { rejectsWith } from './testing/rejects-with.ts';

const MiB = 1024 * 1024;

function data(volumeId: string, pciSlot: number, patch: Partial<DiskSpec> = {}): DiskSpec {
  return { volumeId, path: `/pool/${volumeId}.qcow2`, format: 'qcow2', pciSlot, serial: volumeId, ...patch };
}

test('attachDisk sends object-add, blockdev-add and device_add behind the slot\'s root port, and records the disk in spec.json', async () => {
  const h = await liveHarness();
  try {
    const disk = data('vol-a', 0x13, { limits: { writeIops: 50 } });
    await attachDisk(h.ctx, 'i-1', disk);
    assert.deepEqual(h.qemu.changes(), [
      { execute: 'object-add', arguments: { 'qom-type': 'throttle-group', id: 'tg-vol-a', limits: { 'iops-read': 0, 'iops-write': 50, 'bps-read': 0, 'bps-write': 0 } } },
      { execute: 'blockdev-add', arguments: {
        driver: 'throttle', 'node-name': 't-vol-a', 'throttle-group': 'tg-vol-a', 'read-only': false,
        file: { driver: 'qcow2', 'node-name': 'f-vol-a', 'read-only': false, discard: 'unmap', file: { driver: 'file', 'node-name': 'p-vol-a', filename: '/pool/vol-a.qcow2', 'read-only': false, discard: 'unmap' } },
      } },
      { execute: 'device_add', arguments: { driver: 'virtio-blk-pci', id: 'vblk-vol-a', drive: 't-vol-a', bus: 'rp13', addr: '0x0', serial: 'vol-a' } },
    ]);
    assert.deepEqual((await h.specOnDisk()).disks, [disk]);
    // idempotent: the same disk at the same slot changes nothing
    const before = h.qemu.changes().length;
    await attachDisk(h.ctx, 'i-1', disk);
    assert.equal(h.qemu.changes().length, before);
    await rejectsWith(attachDisk(h.ctx, 'i-1', { ...disk, pciSlot: 0x14 }), 'invalid_state', 'attached at slot 0x13');
    await rejectsWith(attachDisk(h.ctx, 'i-1', data('vol-b', 0x13)), 'invalid_state', 'slot 0x13 is taken by disk vol-a');
    await rejectsWith(attachDisk(h.ctx, 'i-1', data('vol-b', 0x08)), 'invalid_state', 'not a data-disk slot');
    await rejectsWith(attachDisk(h.ctx, 'i-1', data('vol-b', 0x15, { serial: 'bad serial' })), 'invalid_state', 'invalid disk: disk vol-b: serial');
    assert.equal(h.qemu.changes().length, before, 'refusals change nothing');
  } finally {
    await h.close();
  }
});

test('attachDisk on pc plugs into pci.0 at the slot', async () => {
  const h = await liveHarness({}, { machine: 'pc' });
  try {
    await attachDisk(h.ctx, 'i-1', data('vol-a', 0x11));
    assert.deepEqual(h.qemu.changes().at(-1)?.arguments, { driver: 'virtio-blk-pci', id: 'vblk-vol-a', drive: 't-vol-a', bus: 'pci.0', addr: '0x11', serial: 'vol-a' });
  } finally {
    await h.close();
  }
});

test('attachDisk undoes its block node and throttle group when device_add fails, and leaves spec.json alone', async () => {
  const h = await liveHarness();
  try {
    h.qemu.failOn.add('device_add');
    await rejectsWith(attachDisk(h.ctx, 'i-1', data('vol-a', 0x12)), 'host_failure', 'device_add failed (injected)');
    assert.deepEqual(h.qemu.changes().map((c) => c.execute), ['object-add', 'blockdev-add', 'device_add', 'blockdev-del', 'object-del']);
    assert.ok(!h.qemu.objects.has('tg-vol-a') && !h.qemu.nodes.has('t-vol-a') && !h.qemu.nodes.has('f-vol-a'));
    await assert.rejects(h.specOnDisk(), 'no spec.json written');
    h.qemu.failOn.clear();
    await attachDisk(h.ctx, 'i-1', data('vol-a', 0x12));
    assert.ok(h.qemu.devices.has('vblk-vol-a'), 'a retry succeeds');
  } finally {
    await h.close();
  }
});

test('attachDisk clears what an interrupted attach left (block node, group without device) before it plugs', async () => {
  const h = await liveHarness();
  try {
    h.qemu.objects.set('tg-vol-a', {});
    h.qemu.nodes.set('t-vol-a', { size: 1 });
    await attachDisk(h.ctx, 'i-1', data('vol-a', 0x12));
    assert.deepEqual(h.qemu.changes().map((c) => c.execute), ['blockdev-del', 'object-del', 'object-add', 'blockdev-add', 'device_add']);
  } finally {
    await h.close();
  }
});

test('detachDisk: device_del, DEVICE_DELETED, then blockdev-del and object-del; works for a disk present at boot; idempotent', async () => {
  const h = await liveHarness({ disks: [data('vol-boot', 0x11)] });
  try {
    await detachDisk(h.ctx, 'i-1', 'vol-boot', { timeoutSec: 5 });
    assert.deepEqual(h.qemu.changes(), [
      { execute: 'device_del', arguments: { id: 'vblk-vol-boot' } },
      { execute: 'blockdev-del', arguments: { 'node-name': 't-vol-boot' } },
      { execute: 'object-del', arguments: { id: 'tg-vol-boot' } },
    ]);
    assert.deepEqual((await h.specOnDisk()).disks, []);
    await detachDisk(h.ctx, 'i-1', 'vol-boot', { timeoutSec: 5 });
    await detachDisk(h.ctx, 'i-1', 'vol-never-attached', { timeoutSec: 5 });
    assert.equal(h.qemu.changes().length, 3, 'detaching what is not attached changes nothing');
    await rejectsWith(detachDisk(h.ctx, 'i-1', 'vol-root', { timeoutSec: 5 }), 'invalid_state', 'root disk');
  } finally {
    await h.close();
  }
});

test('detachDisk: a guest that does not release the disk in time → timeout on the driver clock, disk stays attached; a later call finishes', async () => {
  const clock = new FakeClock();
  const h = await liveHarness({ disks: [data('vol-a', 0x11)] }, { clock });
  try {
    h.qemu.guestReleases = false;
    const p = detachDisk(h.ctx, 'i-1', 'vol-a', { timeoutSec: 30 });
    while (!h.qemu.changes().some((c) => c.execute === 'device_del')) await new Promise((r) => setTimeout(r, 5));
    clock.advance(29_000);
    await new Promise((r) => setTimeout(r, 20));
    clock.advance(1_000);
    await rejectsWith(p, 'timeout', 'did not release disk vol-a within 30 s');
    assert.ok(h.qemu.devices.has('vblk-vol-a') && h.qemu.nodes.has('t-vol-a') && h.qemu.objects.has('tg-vol-a'), 'still attached and usable');
    assert.deepEqual(h.ctx.records.get('i-1')?.spec?.disks.map((d) => d.volumeId), ['vol-a']);
    h.qemu.release('vblk-vol-a'); // the guest lets go late
    await detachDisk(h.ctx, 'i-1', 'vol-a', { timeoutSec: 30 });
    assert.ok(!h.qemu.nodes.has('t-vol-a') && !h.qemu.objects.has('tg-vol-a'));
    assert.deepEqual((await h.specOnDisk()).disks, []);
  } finally {
    await h.close();
  }
});

test('resizeDisk: block_resize on the disk\'s node; the same size is a no-op; shrinking is refused after reading the size', async () => {
  const h = await liveHarness({ disks: [data('vol-a', 0x11)] });
  try {
    await resizeDisk(h.ctx, 'i-1', 'vol-a', 32 * MiB);
    assert.deepEqual(h.qemu.changes(), [{ execute: 'block_resize', arguments: { 'node-name': 't-vol-a', size: 32 * MiB } }]);
    await resizeDisk(h.ctx, 'i-1', 'vol-a', 32 * MiB);
    await rejectsWith(resizeDisk(h.ctx, 'i-1', 'vol-a', 8 * MiB), 'invalid_state', 'disks only grow');
    await rejectsWith(resizeDisk(h.ctx, 'i-1', 'vol-a', 1000), 'invalid_state', 'multiple of 512');
    await rejectsWith(resizeDisk(h.ctx, 'i-1', 'vol-x', 64 * MiB), 'not_found', 'not attached');
    assert.equal(h.qemu.changes().length, 1);
    assert.ok(h.qemu.mock.received.some((c) => c.execute === 'query-named-block-nodes'));
  } finally {
    await h.close();
  }
});

test('setDiskLimits: qom-set of the throttle group with every limit explicit ({} = all 0), recorded in spec.json', async () => {
  const h = await liveHarness({ disks: [data('vol-a', 0x11)] });
  try {
    await setDiskLimits(h.ctx, 'i-1', 'vol-a', { readIops: 200, readBytesPerSec: 10 * MiB });
    await setDiskLimits(h.ctx, 'i-1', 'vol-a', { readIops: 200, readBytesPerSec: 10 * MiB });
    assert.deepEqual((await h.specOnDisk()).disks[0]?.limits, { readIops: 200, readBytesPerSec: 10 * MiB });
    await setDiskLimits(h.ctx, 'i-1', 'vol-a', {});
    assert.deepEqual(h.qemu.changes().map((c) => c.arguments?.['value']), [
      { 'iops-read': 200, 'iops-write': 0, 'bps-read': 10 * MiB, 'bps-write': 0 },
      { 'iops-read': 200, 'iops-write': 0, 'bps-read': 10 * MiB, 'bps-write': 0 },
      { 'iops-read': 0, 'iops-write': 0, 'bps-read': 0, 'bps-write': 0 },
    ]);
    assert.equal(h.qemu.changes()[0]?.arguments?.['path'], '/objects/tg-vol-a');
    assert.equal((await h.specOnDisk()).disks[0]?.limits, undefined);
    await rejectsWith(setDiskLimits(h.ctx, 'i-1', 'vol-a', { writeIops: -1 }), 'invalid_state', 'limits.writeIops must be a positive integer');
    await rejectsWith(setDiskLimits(h.ctx, 'i-1', 'vol-x', {}), 'not_found', 'not attached');
  } finally {
    await h.close();
  }
});

test('disk calls on an unknown or stopped instance: not_found / invalid_state, nothing sent', async () => {
  const h = await liveHarness();
  try {
    await rejectsWith(attachDisk(h.ctx, 'i-nope', data('vol-a', 0x11)), 'not_found', 'not defined');
    const rec = h.ctx.records.get('i-1');
    const live = rec?.live;
    if (rec) rec.live = undefined;
    await rejectsWith(resizeDisk(h.ctx, 'i-1', 'vol-root', 64 * MiB), 'invalid_state', 'change its spec instead');
    if (rec) rec.live = live;
    assert.deepEqual(h.qemu.changes(), []);
  } finally {
    await h.close();
  }
});
