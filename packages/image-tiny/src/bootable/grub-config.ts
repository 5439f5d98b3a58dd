/**
 * GRUB configuration of the tiny guest's bootable images (pure text). GRUB prints a marker on the
 * serial console before it loads the kernel, so a test sees which firmware path booted the guest:
 *   KUMO-GRUB-BOOT firmware=<bios|uefi|iso>
 * then the tiny guest's own markers (KUMO-BOOT-OK …) follow. The kernel and initrd sit in the root of
 * the boot file system; the guest runs from its initramfs (kumo_root=none: the disk holds no ext4 root).
 */

export type BootPath = 'bios' | 'uefi' | 'iso';

/** The file GRUB searches for to find its boot file system. */
export const bootTagFile = '/kumo-boot.tag';

export function grubBootMarker(path: BootPath): string {
  return `KUMO-GRUB-BOOT firmware=${path}`;
}

export function tinyGrubConfig(path: BootPath, cmdline: string): string {
  return [
    'serial --unit=0 --speed=115200',
    'terminal_input serial console',
    'terminal_output serial console',
    'set timeout=0',
    `search --no-floppy --file --set=root ${bootTagFile}`,
    `echo "${grubBootMarker(path)}"`,
    `linux /vmlinuz ${cmdline}`,
    'initrd /initrd.img',
    'boot',
    '',
  ].join('\n');
}
