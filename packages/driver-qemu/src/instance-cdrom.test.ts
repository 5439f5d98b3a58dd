// changeMedium against a scripted QMP peer: blockdev-change-medium to insert, open/remove/close the
// tray to eject, nothing sent when the drive already has what was asked, spec.json follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriverError } from '@kumo/core';
import { changeMedium } from './instance-cdrom.ts';
import { liveHarness } from './testing/live-harness.ts';

const iso = { path: '/images/imgv-a.iso', imageVersionId: 'imgv-a' };

test('changeMedium inserts with blockdev-change-medium, ejects through the tray, and is idempotent both ways', async () => {
  const h = await liveHarness({ cdrom: {} });
  try {
    h.qemu.cdrom = null;
    await changeMedium(h.ctx, 'i-1', iso);
    await changeMedium(h.ctx, 'i-1', iso);
    assert.deepEqual((await h.specOnDisk()).cdrom, { iso });
    await changeMedium(h.ctx, 'i-1', null);
    await changeMedium(h.ctx, 'i-1', null);
    assert.deepEqual(h.qemu.changes(), [
      { execute: 'blockdev-change-medium', arguments: { id: 'cdrom0', filename: iso.path, format: 'raw', 'read-only-mode': 'read-only' } },
      { execute: 'blockdev-open-tray', arguments: { id: 'cdrom0', force: true } },
      { execute: 'blockdev-remove-medium', arguments: { id: 'cdrom0' } },
      { execute: 'blockdev-close-tray', arguments: { id: 'cdrom0' } },
    ]);
    assert.deepEqual((await h.specOnDisk()).cdrom, {});
  } finally {
    await h.close();
  }
});

test('changeMedium on a guest started without a CD-ROM drive → invalid_state, nothing sent', async () => {
  const h = await liveHarness();
  try {
    await assert.rejects(changeMedium(h.ctx, 'i-1', iso), (e: unknown) => e instanceof DriverError && e.code === 'invalid_state' && e.message.includes('without a CD-ROM drive'));
    assert.deepEqual(h.qemu.changes(), []);
  } finally {
    await h.close();
  }
});

test('changeMedium drops the medium given at boot once it is out of the drive (regression: its -blockdev node kept the ISO open)', async () => {
  const h = await liveHarness({ cdrom: { iso } });
  try {
    h.qemu.cdrom = iso.path;
    h.qemu.nodes.set('cdrom-iso', { size: 2048, file: iso.path });
    await changeMedium(h.ctx, 'i-1', iso);
    assert.deepEqual(h.qemu.changes(), [], 'the same medium: nothing sent');
    const other = { path: '/images/imgv-b.iso', imageVersionId: 'imgv-b' };
    await changeMedium(h.ctx, 'i-1', other);
    assert.deepEqual(h.qemu.changes(), [
      { execute: 'blockdev-change-medium', arguments: { id: 'cdrom0', filename: other.path, format: 'raw', 'read-only-mode': 'read-only' } },
      { execute: 'blockdev-del', arguments: { 'node-name': 'cdrom-iso' } },
    ]);
    assert.ok(!h.qemu.nodes.has('cdrom-iso'));
    await changeMedium(h.ctx, 'i-1', null);
    assert.equal(h.qemu.changes().filter((c) => c.execute === 'blockdev-del').length, 1, 'deleted once');
  } finally {
    await h.close();
  }
});
