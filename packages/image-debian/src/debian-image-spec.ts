/**
 * What the Debian cloud-init guest is made of (pure constants). Everything here is part of the
 * build's inputs key: changing a package or a setting rebuilds the cached image.
 */

/** Debian release the root file system is built from. */
export const debianSuite = 'bookworm';

/**
 * Packages on top of debootstrap's minbase variant (which installs no recommends):
 * systemd as init, cloud-init with what its Debian defaults render network config for
 * (ifupdown + isc-dhcp-client, whose rfc3442 hook applies DHCP classless routes), an SSH server
 * for the key cloud-init installs, sudo for cloud-init's default user, qemu-guest-agent (its unit
 * starts when the virtio-serial port org.qemu.guest_agent.0 appears, which Kumo's QEMU driver adds
 * for images with the guestAgent property), and Debian's kernel with initramfs-tools (and what the
 * kernel package needs) for the kernel bundle.
 */
export const debianGuestPackages: readonly string[] = [
  'systemd', 'systemd-sysv', 'udev', 'dbus',
  // python3-cffi-backend: debootstrap does not resolve virtual packages, and python3-cryptography
  // (cloud-init → python3-oauthlib) depends on the virtual python3-cffi-backend-api-min/max it provides.
  'cloud-init', 'python3-cffi-backend', 'openssh-server', 'sudo',
  'ifupdown', 'isc-dhcp-client', 'iproute2', 'netbase',
  'qemu-guest-agent',
  'initramfs-tools', 'linux-base', 'kmod',
];

/**
 * The kernel, installed after debootstrap (inside the chroot, with apt) once initramfs-tools is
 * configured to build a small initramfs (guest-config.ts initramfsFiles): with Debian's default
 * MODULES=most, mkinitramfs runs modinfo over thousands of modules, which took more than ten minutes
 * on a loaded build machine, and the guest would decompress a 30 MiB initrd under TCG.
 */
export const debianKernelPackage = 'linux-image-amd64';

/** Modules the initramfs loads to mount the root disk (their dependencies come along). */
export const debianInitramfsModules: readonly string[] = ['virtio_pci', 'virtio_blk', 'ext4'];

/** File system label of the root disk; the kernel command line mounts it by device. */
export const debianRootLabel = 'kumo-debian';

/** Size of the ext4 root file system (the qcow2 only stores what is written). */
export const debianRootDiskMiB = 2048;

/**
 * Kernel command line of the kernel bundle. net.ifnames=0 keeps the NIC named eth0, which is what
 * cloud-init's fallback DHCP config and Kumo's config drive network-config name.
 */
export const debianImageCmdline = 'root=/dev/vda rw console=ttyS0 net.ifnames=0 quiet';

/** Debian packages the host needs to build the image. */
export const debianBuildPackages: readonly string[] = ['debootstrap', 'e2fsprogs', 'qemu-utils'];
