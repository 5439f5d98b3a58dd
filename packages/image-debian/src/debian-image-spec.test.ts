import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debianGuestPackages, debianImageCmdline, debianKernelPackage } from './debian-image-spec.ts';
import { initramfsFiles } from './guest-config.ts';

test('debootstrap_left_cloud_init_unconfigured: the provider of the virtual cffi backend python3-cryptography needs is included', () => {
  // debootstrap resolves no virtual packages: without python3-cffi-backend, python3-cryptography,
  // python3-oauthlib and cloud-init stayed unconfigured and debootstrap failed after 18 minutes.
  assert.ok(debianGuestPackages.includes('cloud-init'));
  assert.ok(debianGuestPackages.includes('python3-cffi-backend'));
});

test('mkinitramfs_ran_modinfo_over_every_module: the kernel comes after a MODULES=list initramfs config', () => {
  assert.ok(!debianGuestPackages.includes(debianKernelPackage), 'not installed by debootstrap, before the config exists');
  const conf = initramfsFiles.find((f) => f.path === '/etc/initramfs-tools/conf.d/kumo.conf');
  assert.match(conf?.content ?? '', /^MODULES=list$/m);
  const modules = initramfsFiles.find((f) => f.path === '/etc/initramfs-tools/modules')?.content.split('\n') ?? [];
  for (const m of ['virtio_pci', 'virtio_blk', 'ext4']) assert.ok(modules.includes(m), m);
});

test('the kernel command line mounts the first virtio disk and keeps the NIC named eth0', () => {
  assert.match(debianImageCmdline, /(^| )root=\/dev\/vda( |$)/);
  assert.match(debianImageCmdline, /(^| )console=ttyS0( |$)/);
  assert.match(debianImageCmdline, /(^| )net\.ifnames=0( |$)/);
});
