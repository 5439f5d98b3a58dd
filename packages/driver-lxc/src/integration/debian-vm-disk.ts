/**
 * A Debian 12 VM's root disk with systemd, for the conversion tests: debootstrap --variant=minbase
 * with systemd, ifupdown and a DHCP client, configured like a VM (fstab on /dev/vda, a serial getty
 * on ttyS0, DHCP on eth0, a host name), as an ext4 file system made with `mkfs.ext4 -d` (no loop
 * device, no mount) in a qcow2. Built once per machine (debootstrap downloads from the host's apt
 * mirror; minutes on a loaded machine) and cached outside the repository:
 *   $KUMO_IMAGE_CACHE_DIR (default /var/cache/kumo-test-images)/lxc-debian-systemd-v1/disk.qcow2
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const version = 'lxc-debian-systemd-v1';
const packages = 'systemd,systemd-sysv,ifupdown,isc-dhcp-client,iproute2';

function mirror(): string {
  if (process.env.KUMO_DEBIAN_MIRROR) return process.env.KUMO_DEBIAN_MIRROR;
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const m = existsSync(f) ? /(?:URIs:|deb)\s+(https?:\/\/\S+\/debian)\b/.exec(readFileSync(f, 'utf8')) : null;
    if (m?.[1]) return m[1];
  }
  return 'http://deb.debian.org/debian';
}

/** The tree as a VM would have it: its fstab, serial getty, network config and host name. */
export function configureAsVm(tree: string): void {
  writeFileSync(join(tree, 'etc/hostname'), 'deb-vm\n');
  writeFileSync(join(tree, 'etc/fstab'), '/dev/vda / ext4 errors=remount-ro 0 1\n');
  writeFileSync(join(tree, 'etc/network/interfaces'), 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n');
  mkdirSync(join(tree, 'etc/systemd/system/getty.target.wants'), { recursive: true });
  const getty = join(tree, 'etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service');
  if (!existsSync(getty)) symlinkSync('/lib/systemd/system/serial-getty@.service', getty);
  execFileSync('chroot', [tree, 'passwd', '-d', 'root'], { stdio: 'ignore' });
}

/** The tree as a qcow2 disk holding one ext4 file system (mkfs.ext4 -d: no loop device). */
export function diskFromTree(tree: string, out: string): void {
  const raw = `${out}.raw`;
  try {
    execFileSync('mkfs.ext4', ['-q', '-F', '-d', tree, '-L', 'root', raw, '1G'], { stdio: 'pipe' });
    execFileSync('qemu-img', ['convert', '-O', 'qcow2', raw, out], { stdio: 'pipe' });
  } finally {
    rmSync(raw, { force: true });
  }
}

export function debianVmDisk(): string {
  const cache = process.env.KUMO_IMAGE_CACHE_DIR ?? '/var/cache/kumo-test-images';
  const dir = join(cache, version);
  const disk = join(dir, 'disk.qcow2');
  if (existsSync(disk)) return disk;
  mkdirSync(cache, { recursive: true });
  const tmp = join(cache, `.tmp-${version}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    const tree = join(tmp, 'tree');
    execFileSync('debootstrap', ['--variant=minbase', `--include=${packages}`, 'bookworm', tree, mirror()], { stdio: 'pipe', timeout: 1_800_000 });
    configureAsVm(tree);
    diskFromTree(tree, join(tmp, 'disk.qcow2'));
    rmSync(tree, { recursive: true, force: true });
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return disk;
}
