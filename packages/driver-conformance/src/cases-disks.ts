/**
 * Disks and the CD-ROM of the running guest: hot-plug that the guest sees, online resize it sees,
 * limits, a backup whose contents match, unplug it sees, media change, and a new driver (the agent
 * restarted) that still knows the hot-plugged disk. Registered when the harness has `disks`;
 * each case checks its capability and expects 'unsupported' without it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiskSpec, Driver, DriverCapability, JobProgress } from '@kumo/core';
import { rejectsWith, waitFor, type ConformanceRun } from './conformance-run.ts';
import type { DiskHarness } from './driver-harness.ts';

const MiB = 1024 * 1024;

export function diskCases<D extends Driver>(run: ConformanceRun<D>, h: DiskHarness<D>): void {
  const id = (): string => run.spec.instanceId;
  let disk: DiskSpec | undefined;
  let backup: string | undefined;
  const has = (cap: DriverCapability): boolean => run.driver.capabilities().includes(cap);
  const seen = (serial: string, sizeBytes?: number) => async () => {
    const disks = await h.guestDisks(run.driver, id());
    const d = disks.find((x) => x.serial === serial);
    return d !== undefined && (sizeBytes === undefined || d.sizeBytes === sizeBytes) ? d : undefined;
  };

  test('attachDisk (twice) hot-plugs a disk the guest sees at once; a taken slot is refused', async () => {
    const d = run.driver;
    const fresh = await h.dataDisk('hot', 16 * MiB, 0x13);
    if (!has('hot-attach-disk')) {
      await rejectsWith(d.attachDisk(id(), fresh), 'unsupported', 'attachDisk without the capability');
      return;
    }
    disk = fresh;
    assert.equal((await h.guestDisks(d, id())).some((x) => x.serial === fresh.serial), false);
    await d.attachDisk(id(), fresh);
    await d.attachDisk(id(), fresh);
    await waitFor(`the guest sees disk ${fresh.serial}`, seen(fresh.serial, 16 * MiB), run.h.answerTimeoutMs);
    const other = await h.dataDisk('other', 16 * MiB, 0x13);
    await rejectsWith(d.attachDisk(id(), other), 'invalid_state', 'attachDisk at a taken slot');
    assert.deepEqual(await d.inspect(id()), { instanceId: id(), power: 'running' });
  });

  test('resizeDisk (twice) grows the disk while the guest runs and the guest sees the new size; shrinking is refused', async (t) => {
    const d = run.driver;
    if (!disk) return t.skip('no hot-plugged disk (capability missing)');
    if (!has('disk-resize-online')) {
      await rejectsWith(d.resizeDisk(id(), disk.volumeId, 32 * MiB), 'unsupported', 'resizeDisk without the capability');
      return;
    }
    await d.resizeDisk(id(), disk.volumeId, 32 * MiB);
    await d.resizeDisk(id(), disk.volumeId, 32 * MiB);
    await waitFor(`the guest sees ${disk.serial} at 32 MiB`, seen(disk.serial, 32 * MiB), run.h.answerTimeoutMs);
    await rejectsWith(d.resizeDisk(id(), disk.volumeId, 8 * MiB), 'invalid_state', 'a shrinking resize');
    await rejectsWith(d.resizeDisk(id(), 'vol-not-attached', 64 * MiB), 'not_found', 'resize of a disk not attached');
  });

  test('setDiskLimits sets and clears limits (each twice); the disk keeps working', async (t) => {
    const d = run.driver;
    if (!disk) return t.skip('no hot-plugged disk (capability missing)');
    if (!has('disk-qos')) {
      await rejectsWith(d.setDiskLimits(id(), disk.volumeId, {}), 'unsupported', 'setDiskLimits without the capability');
      return;
    }
    await d.setDiskLimits(id(), disk.volumeId, { writeIops: 1000, writeBytesPerSec: 64 * MiB });
    await d.setDiskLimits(id(), disk.volumeId, { writeIops: 1000, writeBytesPerSec: 64 * MiB });
    await h.writeFromGuest(d, id(), disk.serial, 'KUMO-LIMITED');
    await d.setDiskLimits(id(), disk.volumeId, {});
    await d.setDiskLimits(id(), disk.volumeId, {});
  });

  test('backupDisk copies what the guest wrote to a file (the same blocks as the disk); an existing target is refused', async (t) => {
    const d = run.driver;
    if (!disk) return t.skip('no hot-plugged disk (capability missing)');
    const path = h.backupPath('hot.qcow2');
    run.callerFiles.push(path);
    if (!has('disk-backup')) {
      await rejectsWith(d.backupDisk(id(), disk.volumeId, { path, format: 'qcow2' }), 'unsupported', 'backupDisk without the capability');
      return;
    }
    await h.writeFromGuest(d, id(), disk.serial, 'KUMO-BACKED-UP');
    const progress: JobProgress[] = [];
    const r = await d.backupDisk(id(), disk.volumeId, { path, format: 'qcow2' }, { onProgress: (p) => progress.push(p) });
    assert.ok(r.bytes > 0, 'bytes written');
    assert.ok(progress.length > 0, 'progress reported');
    assert.ok(await h.backupStartsWith(path, 'KUMO-BACKED-UP'), 'the backup has what the guest wrote');
    backup = path; // compared block for block with the disk once it is detached
    await rejectsWith(d.backupDisk(id(), disk.volumeId, { path, format: 'qcow2' }), 'invalid_state', 'a backup onto an existing file');
    assert.deepEqual(await d.inspect(id()), { instanceId: id(), power: 'running' });
  });

  const slow = h.slowDownBackup;
  if (slow) {
    test('a backup cancelled through its signal rejects cancelled and leaves no target file', async (t) => {
      const d = run.driver;
      if (!disk || !has('disk-backup')) return t.skip('no backup capability');
      const path = h.backupPath('cancelled.qcow2');
      await slow(d);
      const ac = new AbortController();
      const p = d.backupDisk(id(), disk.volumeId, { path, format: 'raw' }, { signal: ac.signal, onProgress: () => ac.abort(new Error('cancelled by the test')) });
      await rejectsWith(p, 'cancelled', 'the cancelled backup');
      assert.equal(await h.fileExists(path), false, 'no target file left');
    });
  }

  test('after an agent restart the new driver still knows the hot-plugged disk: detachDisk (twice) unplugs it and the guest sees it go', async (t) => {
    if (!disk) return t.skip('no hot-plugged disk (capability missing)');
    const serial = disk.serial;
    await run.driver.close();
    const d = await run.useNewDriver();
    await d.detachDisk(id(), disk.volumeId, { timeoutSec: 60 });
    await d.detachDisk(id(), disk.volumeId, { timeoutSec: 60 });
    await waitFor(`disk ${serial} gone from the guest`, async () => !(await h.guestDisks(d, id())).some((x) => x.serial === serial), run.h.answerTimeoutMs);
    if (backup) assert.ok(await h.backupMatches(disk, backup), 'the backup has the same blocks as the (now detached) disk');
    await d.attachDisk(id(), disk); // the slot is free again and the disk can come back
    await waitFor(`the guest sees disk ${serial} again`, seen(serial), run.h.answerTimeoutMs);
    await d.detachDisk(id(), disk.volumeId, { timeoutSec: 60 });
    await waitFor(`disk ${serial} gone again`, async () => !(await h.guestDisks(d, id())).some((x) => x.serial === serial), run.h.answerTimeoutMs);
    assert.deepEqual(await d.inspect(id()), { instanceId: id(), power: 'running' });
  });

  test('changeMedium inserts an ISO into the CD-ROM drive and ejects it (each twice)', async () => {
    const d = run.driver;
    const iso = await h.iso('medium');
    if (!has('cdrom')) {
      await rejectsWith(d.changeMedium(id(), iso), 'unsupported', 'changeMedium without the capability');
      return;
    }
    assert.equal(await h.cdromMedium(d, id()), null, 'the drive starts empty');
    await d.changeMedium(id(), iso);
    await d.changeMedium(id(), iso);
    assert.equal(await h.cdromMedium(d, id()), iso.path);
    await d.changeMedium(id(), null);
    await d.changeMedium(id(), null);
    assert.equal(await h.cdromMedium(d, id()), null);
    await run.consoleAnswers('after-cdrom');
  });
}
