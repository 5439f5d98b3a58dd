/**
 * The files the build writes into the Debian root file system after debootstrap, and the files it
 * removes so that every guest made from the image is its own machine (pure).
 *
 * Nothing here configures cloud-init for Kumo: the image keeps Debian's stock cloud-init settings, so
 * it behaves like a distribution's cloud image and finds Kumo the way such an image would (SMBIOS
 * serial `ds=nocloud-net;s=…`, or a NoCloud config drive).
 */
import { debianImageCmdline, debianInitramfsModules } from './debian-image-spec.ts';

export interface GuestFile {
  /** Absolute path inside the root file system. */
  path: string;
  content: string;
  mode: number;
}

export const guestFiles: readonly GuestFile[] = [
  // The kernel command line mounts /dev/vda read-write; fstab keeps it so after systemd's remount.
  { path: '/etc/fstab', content: '/dev/vda / ext4 rw,errors=remount-ro 0 1\n', mode: 0o644 },
  // cloud-init sets the instance's host name; until then the image's own.
  { path: '/etc/hostname', content: 'debian\n', mode: 0o644 },
  { path: '/etc/hosts', content: '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n', mode: 0o644 },
  // Empty: systemd makes a new machine id at first boot (one per guest, not one per image).
  { path: '/etc/machine-id', content: '', mode: 0o444 },
  // debootstrap copies the build host's resolver; the guest gets its own by DHCP.
  { path: '/etc/resolv.conf', content: '', mode: 0o644 },
  { path: '/etc/kumo-image', content: `debian-cloud-init\ncmdline: ${debianImageCmdline}\n`, mode: 0o644 },
];

/**
 * Files of the build host or of the build that must not reach guests: SSH host keys (cloud-init
 * makes new ones per instance), the D-Bus machine id, apt's downloaded lists and packages.
 * Glob-free: directories are emptied, files removed.
 */
export const guestFilesRemoved: readonly string[] = [
  '/var/lib/dbus/machine-id',
  '/var/cache/apt/archives',
  '/var/lib/apt/lists',
];

/** SSH host key files are matched by this prefix in /etc/ssh. */
export const sshHostKeyPrefix = 'ssh_host_';

/**
 * initramfs-tools settings written before the kernel is installed: only the listed modules
 * (MODULES=list) and gzip (bookworm's default zstd is only a recommendation of initramfs-tools).
 */
export const initramfsFiles: readonly GuestFile[] = [
  { path: '/etc/initramfs-tools/conf.d/kumo.conf', content: 'MODULES=list\nCOMPRESS=gzip\n', mode: 0o644 },
  { path: '/etc/initramfs-tools/modules', content: `${debianInitramfsModules.join('\n')}\n`, mode: 0o644 },
];
