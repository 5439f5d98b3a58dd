import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootDiskLayout } from './disk-layout.ts';
import { grubBootMarker, tinyGrubConfig } from './grub-config.ts';

test('bootable disk layout: MBR with a bootable FAT32 partition at 1 MiB, or GPT with an EFI system partition', () => {
  const bios = bootDiskLayout('bios', 40);
  assert.equal(bios.sfdiskScript, 'label: dos\nstart=2048, size=81920, type=c, bootable\n');
  assert.equal(bios.diskBytes, 42 * 1024 * 1024);
  const uefi = bootDiskLayout('uefi', 40);
  assert.match(uefi.sfdiskScript, /^label: gpt\nstart=2048, size=81920, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B/);
  assert.throws(() => bootDiskLayout('bios', 8), /partitionMiB must be an integer ≥ 34/);
});

test('bootable GRUB config: serial console, the marker before the kernel, the tiny guest from its initramfs', () => {
  const cfg = tinyGrubConfig('uefi', 'console=ttyS0 kumo_root=none');
  const lines = cfg.split('\n');
  assert.ok(lines.indexOf(`echo "${grubBootMarker('uefi')}"`) < lines.indexOf('linux /vmlinuz console=ttyS0 kumo_root=none'));
  assert.ok(lines.includes('terminal_output serial console'));
  assert.equal(lines.at(-2), 'boot');
});
