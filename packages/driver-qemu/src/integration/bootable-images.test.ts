// Guests that boot through their own firmware and bootloader (TCG here, root, cgroups), from images
// built offline from Debian packages (image-tiny bootable/): an installer ISO booted from the CD-ROM
// onto an empty root disk, with the Windows-ready devices (SATA, e1000, TPM 2.0 via swtpm, local-time
// RTC, a second driver CD-ROM); the same instance after the "install" (the test writes the BIOS disk
// image onto the root volume), ISO ejected, booting from disk with SeaBIOS; and a UEFI disk with OVMF
// and its per-instance EFI variables, live-migrated to a second driver ("host" B) with those variables.
// Each prints GRUB's marker and then the tiny guest's KUMO-BOOT-OK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InstanceSpec, MigrationPolicy } from '@kumo/core';
import { buildTinyImage, findCachedGuestKernel, guestKernelCacheDir } from '@kumo/image-tiny';
import { buildBootableImages } from '@kumo/image-tiny/bootable';
import { findOvmf } from '../host-firmware.ts';
import { instancePaths } from '../instance-paths.ts';
import { QemuDriver } from '../qemu-driver.ts';
import { waitConsole, waitFor } from './console-wait.ts';
import { removeCgroupParent } from './test-guest.ts';

const run = promisify(execFile);
const BIOS_BOOT_MS = 120_000;
const UEFI_BOOT_MS = 300_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('bootable disk images and ISO installs in real guests', { timeout: 900_000 }, async (t) => {
  const tiny = await buildTinyImage({ outDir: '/var/tmp/kumo-test-cache/tiny' });
  const kernel = await findCachedGuestKernel(guestKernelCacheDir());
  assert.ok(kernel, 'the tiny image build leaves Debian\'s kernel package unpacked in the guest-kernel cache');
  const images = await buildBootableImages('/var/tmp/kumo-test-cache/bootable', {
    vmlinuz: kernel.vmlinuz, initrd: tiny.initrd, cmdline: 'console=ttyS0 panic=-1 kumo_root=none',
  });
  const work = await mkdtemp('/var/tmp/kumo-qemu-bootable-');
  const suffix = `${process.pid % 100000}`;
  const cgroupParent = `kumo-test-boot-${suffix}`;
  const stateDir = join(work, 'state');
  const d = new QemuDriver({ stateDir, accel: 'tcg', cgroupParent });
  const stateDirB = join(work, 'state-b');
  const b = new QemuDriver({ stateDir: stateDirB, accel: 'tcg', cgroupParent: `${cgroupParent}-b` });
  const ids = { install: `it-iso-${suffix}`, uefi: `it-uefi-${suffix}` };
  t.after(async () => {
    for (const drv of [d, b]) {
      for (const id of Object.values(ids)) await drv.destroy(id).catch(() => {});
      await drv.close().catch(() => {});
    }
    await removeCgroupParent(cgroupParent);
    await removeCgroupParent(`${cgroupParent}-b`);
    await rm(work, { recursive: true, force: true });
  });

  const vm = (id: string, root: string, format: 'qcow2' | 'raw', rest: Partial<InstanceSpec>): InstanceSpec => ({
    instanceId: id, name: id, vcpus: 1, memoryMiB: 256,
    root: { kind: 'disk', disk: { volumeId: `vol-${id}`, path: root, format, pciSlot: 0x10, serial: `root-${suffix}` } },
    disks: [], nics: [], boot: {}, stopTimeoutSec: 5, ...rest,
  });

  await t.test('an ISO boots from the CD-ROM onto an empty root disk, with SATA, e1000, a TPM (swtpm) and a driver CD-ROM', async () => {
    const root = join(work, 'install-root.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', root, '1G']);
    const spec = vm(ids.install, root, 'qcow2', {
      cdrom: { iso: { path: images.iso, imageVersionId: 'iv-installer' } },
      boot: { order: 'cdrom' },
      guest: { osType: 'windows', diskBus: 'sata', nicModel: 'e1000', tpm: true, driverIso: { path: images.iso, imageVersionId: 'iv-drivers' } },
    });
    assert.equal((await d.start(spec)).power, 'running');
    const paths = instancePaths(stateDir, ids.install);
    const swtpmPid = Number((await readFile(paths.tpmPidFile, 'utf8')).trim());
    assert.ok(alive(swtpmPid), 'swtpm runs beside the guest');
    await waitConsole(d, ids.install, 'KUMO-GRUB-BOOT firmware=iso', 1, BIOS_BOOT_MS);
    await waitConsole(d, ids.install, 'KUMO-BOOT-OK', 1, BIOS_BOOT_MS);
    await d.stop(ids.install, { force: true, timeoutSec: 5 });
    await waitFor('swtpm to exit with its guest', async () => (alive(swtpmPid) ? undefined : true), 10_000);

    // The "installer" ran: the root volume now holds a bootable system; eject and boot from disk.
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', images.bios, root]);
    const installed: InstanceSpec = { ...spec, cdrom: {}, boot: { order: 'disk' }, guest: { osType: 'windows', diskBus: 'sata', nicModel: 'e1000' } };
    assert.equal((await d.start(installed)).power, 'running');
    await waitConsole(d, ids.install, 'KUMO-GRUB-BOOT firmware=bios', 1, BIOS_BOOT_MS);
    await waitConsole(d, ids.install, 'KUMO-BOOT-OK', 2, BIOS_BOOT_MS);
    await d.destroy(ids.install);
    assert.equal(existsSync(paths.dir), false);
  });

  await t.test('a UEFI disk boots with OVMF; its own EFI variables are kept and move with a live migration', async () => {
    const ovmf = await findOvmf();
    assert.ok(ovmf, 'Debian\'s ovmf package is installed (scripts/install-system-deps.sh)');
    const root = join(work, 'uefi-root.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', images.uefi, root]);
    // Debian's GRUB EFI answers "out of memory" loading this kernel with 256 MiB; 1 GiB boots (guest
    // memory is allocated as it is touched, so the host pays for what the guest uses).
    const spec = vm(ids.uefi, root, 'qcow2', { memoryMiB: 1024, guest: { firmware: 'uefi' } });
    assert.equal((await d.start(spec)).power, 'running');
    const vars = instancePaths(stateDir, ids.uefi).efiVars;
    assert.equal((await readFile(vars)).length, (await readFile(ovmf.varsTemplate)).length, 'a copy of the VARS template');
    await waitConsole(d, ids.uefi, 'KUMO-GRUB-BOOT firmware=uefi', 1, UEFI_BOOT_MS);
    await waitConsole(d, ids.uefi, 'KUMO-BOOT-OK', 1, UEFI_BOOT_MS);
    const written = await readFile(vars);
    assert.notDeepEqual(written, await readFile(ovmf.varsTemplate), 'OVMF wrote its boot variables into the instance\'s copy');

    // Live migration (shared storage) to B: B starts from a fresh copy of the template, and QEMU
    // writes the flash contents that came with the stream into it when the migration completes.
    const policy: MigrationPolicy = { downtimeLimitMs: 300, maxBandwidthBytesPerSec: 0, autoConverge: false, postcopyAfterPasses: null, timeoutMs: 300_000 };
    const endpoint = await b.prepareIncoming(spec, { listenAddress: '127.0.0.1', receiveDisks: [], postcopy: false });
    await d.migrate(ids.uefi, endpoint, policy);
    assert.equal((await b.finishIncoming(ids.uefi, { timeoutMs: 120_000 })).power, 'running');
    const varsB = instancePaths(stateDirB, ids.uefi).efiVars;
    await waitFor('the migrated EFI variables in B\'s VARS file', async () => ((await readFile(varsB)).equals(written) ? true : undefined), 30_000);
    await d.destroy(ids.uefi);
    await b.stop(ids.uefi, { force: true, timeoutSec: 5 });
    assert.deepEqual(await readFile(varsB), written, 'kept across a stop on B');
  });
});
