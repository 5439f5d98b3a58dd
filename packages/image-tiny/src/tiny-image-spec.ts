/** What goes into the tiny image, and what the build host needs (pure constants). */

/**
 * Debian packages buildTinyImage needs installed on the build host. The guest kernel is not among
 * them: linux-image-amd64's package is downloaded and unpacked into a cache (guest-kernel-download.ts).
 */
export const requiredDebianPackages: string[] = ['busybox-static', 'e2fsprogs', 'qemu-utils', 'xz-utils', 'kmod'];

/** Debian packages needed to boot the image (and run the integration tests). */
export const bootDebianPackages: string[] = ['qemu-system-x86'];

/**
 * Kernel command line for direct kernel boot. panic=-1 turns a guest panic into
 * an immediate reboot, which QEMU's -no-reboot turns into an exit. The caller
 * appends guest options such as `kumo_hostname=NAME`.
 */
export const tinyImageCmdline = 'console=ttyS0 quiet panic=-1';

/**
 * Drivers loaded by the initramfs, in this order (plus their dependencies).
 * crc32c_generic is ext4's soft dependency (metadata checksums); isofs (with its
 * dependency cdrom) reads a NoCloud config drive, which Kumo attaches as a
 * virtio-blk disk; button and evdev make the ACPI power button reach busybox acpid.
 * virtio_balloon reports the guest's memory use to the host (Kumo's guest-reported memory series).
 * They stay loaded after switch_root, so the root disk does not carry them.
 */
export const initrdModuleNames: readonly string[] = [
  'virtio_pci', 'virtio_blk', 'virtio_net', 'virtio_balloon', 'crc32c_generic', 'ext4', 'isofs', 'button', 'evdev',
];

/**
 * Modules only on the root disk (with their dependencies that the initrd lacks),
 * for `modprobe` in the guest: 8021q lets guests tag VLANs themselves.
 */
export const rootDiskExtraModuleNames: readonly string[] = ['8021q'];

export const rootDiskMiB = 32;
