import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  initrdModuleNames, requiredDebianPackages, rootDiskExtraModuleNames, tinyImageCmdline,
} from './build-tiny-image.ts';
import { MissingDebianPackageError } from './host-tools.ts';
import { parseModulesBuiltin, parseModulesDep, resolveModuleLoadOrder } from './module-deps-resolver.ts';

/** The lines of Debian 12's 6.1.0-56-amd64 modules.dep that the tiny image touches (plus neighbours). */
const debianModulesDep = `kernel/arch/x86/crypto/crc32c-intel.ko:
kernel/fs/mbcache.ko:
kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko
kernel/fs/jbd2/jbd2.ko:
kernel/crypto/crc32c_generic.ko:
kernel/lib/crc16.ko:
kernel/drivers/acpi/button.ko:
kernel/fs/isofs/isofs.ko: kernel/drivers/cdrom/cdrom.ko
kernel/drivers/cdrom/cdrom.ko:
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_balloon.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/drivers/input/evdev.ko:
kernel/net/core/failover.ko:
kernel/net/802/stp.ko: kernel/net/llc/llc.ko
kernel/net/802/garp.ko: kernel/net/802/stp.ko kernel/net/llc/llc.ko
kernel/net/802/mrp.ko:
kernel/net/8021q/8021q.ko: kernel/net/802/garp.ko kernel/net/802/stp.ko kernel/net/802/mrp.ko kernel/net/llc/llc.ko
kernel/net/llc/llc.ko:
`;

test('the initrd drivers resolve against Debian modules.dep in a loadable order', () => {
  const deps = parseModulesDep(debianModulesDep);
  const plan = resolveModuleLoadOrder(initrdModuleNames, deps, parseModulesBuiltin(''));
  const names = plan.load.map((m) => m.name);
  assert.deepEqual(names, [
    'virtio_pci_legacy_dev', 'virtio_pci_modern_dev', 'virtio_ring', 'virtio', 'virtio_pci', 'virtio_blk',
    'failover', 'net_failover', 'virtio_net', 'virtio_balloon', 'crc32c_generic', 'crc16', 'mbcache', 'jbd2', 'ext4', 'cdrom', 'isofs',
    'button', 'evdev',
  ]);
  for (const [i, m] of plan.load.entries()) {
    for (const dep of m.deps) assert.ok(plan.load.findIndex((x) => x.path === dep) < i, `${m.name} after ${dep}`);
  }
  assert.ok(names.indexOf('crc32c_generic') < names.indexOf('ext4'), 'crc32c (ext4 soft dependency) first');
});

test('a kernel with the drivers built in needs no modules for them', () => {
  const builtin = parseModulesBuiltin(
    ['virtio_pci', 'virtio_blk', 'virtio_net', 'virtio_balloon', 'crc32c_generic', 'ext4', 'isofs', 'button', 'evdev']
      .map((n) => `kernel/x/${n}.ko`).join('\n'),
  );
  const plan = resolveModuleLoadOrder(initrdModuleNames, parseModulesDep(''), builtin);
  assert.deepEqual(plan.load, []);
  assert.equal(plan.builtin.length, initrdModuleNames.length);
});

test('the root disk extras bring their own dependencies', () => {
  const deps = parseModulesDep(debianModulesDep);
  const plan = resolveModuleLoadOrder(rootDiskExtraModuleNames, deps);
  assert.deepEqual(plan.load.map((m) => m.name), ['llc', 'stp', 'garp', 'mrp', '8021q']);
});

test('the package list and the command line cover what the guest needs', () => {
  for (const p of ['busybox-static', 'e2fsprogs', 'qemu-utils', 'xz-utils']) {
    assert.ok(requiredDebianPackages.includes(p), p);
  }
  assert.ok(!requiredDebianPackages.includes('linux-image-amd64'), 'the guest kernel is downloaded and unpacked, never installed into the host');
  assert.match(tinyImageCmdline, /(^| )console=ttyS0( |$)/);
  assert.match(tinyImageCmdline, /(^| )panic=-1( |$)/);
});

test('guest_kernel_download_needs_depmod_on_a_fresh_machine: kmod (depmod) is a required package', () => {
  // The downloaded kernel's modules are indexed with `depmod -b`; a fresh Debian without a host
  // kernel package has no kmod, and the build failed with "spawn depmod ENOENT".
  assert.ok(requiredDebianPackages.includes('kmod'));
  const deps = readFileSync(new URL('../../../scripts/install-system-deps.sh', import.meta.url), 'utf8');
  assert.match(deps, /(^|\s)kmod(\s|\))/m);
});

test('a missing tool names the Debian package and the command to install it', () => {
  const err = new MissingDebianPackageError('busybox-static', 'no /bin/busybox');
  assert.equal(err.message, 'busybox-static is not installed: apt-get install -y busybox-static (no /bin/busybox)');
  assert.equal(err.debianPackage, 'busybox-static');
});
