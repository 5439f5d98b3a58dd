/**
 * Boots the tiny image under QEMU/TCG: from a linked clone of its root disk and
 * from the initramfs alone. Needs qemu-system-x86 and the build packages. The
 * image is cached in $KUMO_TEST_CACHE_DIR/tiny (default /var/tmp/kumo-test-cache/tiny).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTinyImage, type TinyImage } from '../build-tiny-image.ts';
import { tinyImageCacheDir } from './test-cache-dir.ts';
import { TinyVm } from './tiny-vm-harness.ts';

const bootTimeoutMs = 30_000;
const powerOffTimeoutMs = 30_000;

describe('tiny image boot (TCG)', { concurrency: 2 }, () => {
  let image: TinyImage;
  before(async () => {
    image = await buildTinyImage({ outDir: tinyImageCacheDir() });
  });

  test('from its root disk: boot marker, serial shell, ACPI power button', async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'kumo-tiny-boot-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    const vm = await TinyVm.start({ image, workDir: work, extraCmdline: 'kumo_hostname=tiny-boot-1' });
    t.after(() => vm.kill());

    await vm.waitForConsole(/KUMO-BOOT-OK/, bootTimeoutMs);
    t.diagnostic(`QEMU start to KUMO-BOOT-OK: ${Date.now() - vm.startedAt} ms`);
    await vm.runInShell('echo hello-$((6*7))', /hello-42/);
    await vm.runInShell(`awk '$2 == "/" { print "root-" $1 "-" $3 }' /proc/mounts`, /root-\/dev\/vda-ext4/);
    await vm.runInShell('echo host-$(hostname)', /host-tiny-boot-1\r?\n/);

    const pressedAt = Date.now();
    await vm.qmpCommand('system_powerdown');
    const exit = await vm.waitForExit(powerOffTimeoutMs);
    t.diagnostic(`system_powerdown to QEMU exit: ${Date.now() - pressedAt} ms`);
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.match(vm.console, /power button pressed/);
    assert.match(vm.console, /Requesting system poweroff/);
    const base = createHash('sha256').update(readFileSync(image.rootDisk)).digest('hex');
    assert.equal(base, image.sha256.rootDisk, 'the linked clone left the base image untouched');
  });

  test('from the initramfs alone: same userland, poweroff typed on the console', async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'kumo-tiny-boot-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    // The dotted spelling: the kernel keeps it out of init's environment, the
    // guest reads it from /proc/cmdline.
    const vm = await TinyVm.start({ image, workDir: work, rootDisk: false, extraCmdline: 'kumo.hostname=tiny-initramfs' });
    t.after(() => vm.kill());

    await vm.waitForConsole(/KUMO-BOOT-OK/, bootTimeoutMs);
    t.diagnostic(`QEMU start to KUMO-BOOT-OK (no disk): ${Date.now() - vm.startedAt} ms`);
    assert.match(vm.console, /kumo-init: no \/dev\/vda; running from the initramfs/);
    await vm.runInShell('echo hello-$((6*7))', /hello-42/);
    await vm.runInShell(`awk '$2 == "/" { print "root-" $1 }' /proc/mounts`, /root-rootfs\r?\n/);
    await vm.runInShell('echo host-$(hostname)', /host-tiny-initramfs\r?\n/);

    const typedAt = Date.now();
    vm.type('poweroff\n');
    const exit = await vm.waitForExit(powerOffTimeoutMs);
    t.diagnostic(`poweroff to QEMU exit: ${Date.now() - typedAt} ms`);
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.match(vm.console, /Requesting system poweroff/);
  });
});
