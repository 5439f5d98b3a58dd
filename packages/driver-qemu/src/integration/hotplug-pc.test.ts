// Disk hot-plug and the CD-ROM on the `pc` machine (the conformance suite runs q35): data disks sit
// on pci.0 at their slot and use ACPI hot-plug; the CD-ROM is on the PIIX3 IDE's secondary channel.
// A real tiny guest under TCG: it boots with a throttled data disk, sees a hot-plugged one, releases
// it on detach, and QEMU opens and closes an ISO in the drive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildTinyImage } from '@kumo/image-tiny';
import type { DriverLogger } from '../driver-logger.ts';
import { QemuDriver, type QemuDriverOptions } from '../qemu-driver.ts';
import { waitConsole, waitFor } from './console-wait.ts';
import { qemuDiskHarness } from './guest-disks.ts';
import { removeCgroupParent, tinyGuestSpec } from './test-guest.ts';

const quietLogger: DriverLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const MiB = 1024 * 1024;

test('pc machine: a throttled disk at boot, ACPI hot-plug and unplug on pci.0, media change on the IDE CD-ROM (booted with an ISO)', { timeout: 600_000 }, async (t) => {
  const image = await buildTinyImage({ outDir: '/var/tmp/kumo-test-cache/tiny' });
  const work = await mkdtemp('/var/tmp/kumo-qemu-pc-');
  const suffix = `${process.pid % 100000}`;
  const cgroupParent = `kumo-pc-${suffix}`;
  const opts: QemuDriverOptions = { stateDir: join(work, 'state'), accel: 'tcg', machine: 'pc', cgroupParent, logger: quietLogger };
  const d = new QemuDriver(opts);
  const id = `pc-vm-${suffix}`;
  t.after(async () => {
    await d.destroy(id).catch(() => {});
    await d.close();
    await removeCgroupParent(cgroupParent);
    await rm(work, { recursive: true, force: true });
  });
  const h = qemuDiskHarness(work, 60_000);
  const atBoot = { ...(await h.dataDisk('pcboot', 8 * MiB, 0x11)), limits: { writeIops: 500, writeBytesPerSec: 8 * MiB } };
  const hot = await h.dataDisk('pchot', 16 * MiB, 0x15);
  const bootIso = await h.iso('pcboot');
  const spec = await tinyGuestSpec({ id, name: 'pc-vm', image, overlay: join(work, 'root.qcow2'), disks: [atBoot], cdrom: { iso: bootIso } });
  await d.start(spec);
  await waitConsole(d, id, 'KUMO-BOOT-OK', 1, 180_000);
  const sees = (serial: string) => async () => (await h.guestDisks(d, id)).some((x) => x.serial === serial);
  await waitFor('the guest sees its throttled disk', sees(atBoot.serial), 60_000);
  await h.writeFromGuest(d, id, atBoot.serial, 'KUMO-THROTTLED');

  await d.attachDisk(id, hot);
  await waitFor('the guest sees the disk hot-plugged on pci.0', sees(hot.serial), 60_000);
  await d.detachDisk(id, hot.volumeId, { timeoutSec: 60 });
  await waitFor('the guest released it', async () => !(await sees(hot.serial)()), 60_000);

  const iso = await h.iso('pcmedium');
  assert.equal(await h.cdromMedium(d, id), bootIso.path, 'the ISO of the spec is in the drive from boot');
  await d.changeMedium(id, iso);
  assert.equal(await h.cdromMedium(d, id), iso.path, 'only the new medium is open');
  await d.changeMedium(id, null);
  assert.equal(await h.cdromMedium(d, id), null);
  assert.deepEqual(await d.inspect(id), { instanceId: id, power: 'running' });
});
