// RBD disks through QEMU's rbd block driver against a real single-node Ceph cluster (the suite's shared one):
// a tiny guest boots with an RBD data disk, gets a second one hot-plugged, writes to it (read back
// with `rbd export`), sees it grow (and the RBD image grows), and lets it go on detach (QEMU's
// watch on the image is gone). Root; needs ceph-mon, ceph-osd, ceph-common and qemu-block-extra.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiskSpec } from '@kumo/core';
import { buildTinyImage } from '@kumo/image-tiny';
import type { DriverLogger } from '../driver-logger.ts';
import { QemuDriver, type QemuDriverOptions } from '../qemu-driver.ts';
import { runHostCommand } from '@kumo/storage';
import { uniqueRbdName, useTestCephCluster } from '@kumo/storage-rbd/testing';
import { waitConsole, waitFor } from './console-wait.ts';
import { qemuDiskHarness } from './guest-disks.ts';
import { removeCgroupParent, tinyGuestSpec } from './test-guest.ts';

const quietLogger: DriverLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const MiB = 1024 * 1024;

test('RBD disks of a real guest: at boot and hot-plugged, written, grown and unplugged', { timeout: 600_000 }, async (t) => {
  const image = await buildTinyImage({ outDir: '/var/tmp/kumo-test-cache/tiny' });
  const work = await mkdtemp('/var/tmp/kumo-qemu-rbd-');
  const suffix = `${process.pid % 100000}`;
  const cgroupParent = `kumo-rbd-${suffix}`;
  const opts: QemuDriverOptions = { stateDir: join(work, 'state'), accel: 'tcg', cgroupParent, logger: quietLogger };
  const ceph = await useTestCephCluster();
  const rbd = (args: string[]) => runHostCommand('rbd', ['-c', ceph.conf, ...args], { timeoutMs: 60_000 });
  const d = new QemuDriver(opts);
  const id = `rbd-vm-${suffix}`;
  t.after(async () => {
    await d.destroy(id).catch(() => {});
    await d.close();
    await removeCgroupParent(cgroupParent);
    for (const name of names) await rbd(['rm', `${ceph.pool}/${name}`]).catch(() => {});
    await ceph.release();
    await rm(work, { recursive: true, force: true });
  });
  assert.ok(d.capabilities().includes('rbd'), 'qemu-block-extra is installed: the driver claims rbd');

  const names: string[] = [];
  const rbdDisk = async (prefix: string, pciSlot: number): Promise<DiskSpec> => {
    const name = uniqueRbdName(prefix);
    names.push(name);
    await rbd(['create', `${ceph.pool}/${name}`, '--size', '16M']);
    return {
      volumeId: name, path: `rbd:${ceph.pool}/${name}`, format: 'raw', pciSlot, serial: prefix,
      rbd: { pool: ceph.pool, image: name, user: ceph.user, cephConf: ceph.conf },
    };
  };
  const atBoot = await rbdDisk('vol-rbd-boot', 0x11);
  const hot = await rbdDisk('vol-rbd-hot', 0x12);
  const spec = await tinyGuestSpec({ id, name: 'rbd-vm', image, overlay: join(work, 'root.qcow2'), disks: [atBoot] });
  const h = qemuDiskHarness(work, 60_000);

  await d.start(spec);
  await waitConsole(d, id, 'KUMO-BOOT-OK', 1, 180_000);
  const sees = (serial: string, size?: number) => async () => (await h.guestDisks(d, id)).some((x) => x.serial === serial && (size === undefined || x.sizeBytes === size));
  await waitFor('the guest sees the RBD disk it booted with', sees(atBoot.serial, 16 * MiB), 60_000);

  await d.attachDisk(id, hot);
  await waitFor('the guest sees the hot-plugged RBD disk', sees(hot.serial, 16 * MiB), 60_000);
  await h.writeFromGuest(d, id, hot.serial, 'KUMO-ON-CEPH');
  const exported = join(work, 'hot.raw');
  await rbd(['export', `${ceph.pool}/${hot.volumeId}`, exported]);
  assert.equal((await readFile(exported)).subarray(0, 12).toString('latin1'), 'KUMO-ON-CEPH', 'the guest\'s write is in the RBD image');

  await d.resizeDisk(id, hot.volumeId, 32 * MiB);
  await waitFor('the guest sees the RBD disk at 32 MiB', sees(hot.serial, 32 * MiB), 60_000);
  const info = JSON.parse(await rbd(['info', '--format', 'json', `${ceph.pool}/${hot.volumeId}`])) as { size: number };
  assert.equal(info.size, 32 * MiB, 'block_resize grew the RBD image');

  const watchers = async (name: string): Promise<number> =>
    (JSON.parse(await rbd(['status', '--format', 'json', `${ceph.pool}/${name}`])) as { watchers: unknown[] }).watchers.length;
  assert.equal(await watchers(hot.volumeId), 1, 'QEMU watches the attached image');
  await d.detachDisk(id, hot.volumeId, { timeoutSec: 60 });
  await waitFor('the hot-plugged RBD disk gone from the guest', async () => !(await sees(hot.serial)()), 60_000);
  assert.equal(await watchers(hot.volumeId), 0, 'QEMU closed the image on detach');
  assert.equal(await watchers(atBoot.volumeId), 1, 'the other disk is untouched');
  await d.detachDisk(id, atBoot.volumeId, { timeoutSec: 60 });
  assert.equal(await watchers(atBoot.volumeId), 0, 'a disk present at boot unplugs too');
});
