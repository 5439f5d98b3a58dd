import { spawnSync } from 'node:child_process';

/**
 * Debian packages a QEMU host needs (the same list as scripts/install-system-deps.sh). The tiny guest's
 * kernel is not installed: its package is downloaded and unpacked when the image is first built.
 */
export const hostPackages = [
  'qemu-system-x86', 'qemu-utils', 'dnsmasq-base', 'nftables', 'haproxy', 'busybox-static', 'e2fsprogs', 'xz-utils', 'iproute2', 'genisoimage', 'kmod',
  // UEFI firmware and the software TPM for guests whose images ask for them (docs/guests.md).
  'ovmf', 'swtpm',
];

export function missingPackages(pkgs: string[] = hostPackages): string[] {
  return pkgs.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
}

/** As root on Debian/Ubuntu: say what is installed, then install it. Returns false if it could not. */
export function installPackages(pkgs: string[], say: (line: string) => void): boolean {
  if (pkgs.length === 0) return true;
  const aptGet = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!aptGet || process.getuid?.() !== 0) return false;
  say(`installing Debian packages this host needs: ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env }).status !== 0) return false;
  return spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env }).status === 0;
}
