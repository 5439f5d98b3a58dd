import { spawn, spawnSync } from 'node:child_process';

/**
 * Debian packages a QEMU host needs (the same list as scripts/install-system-deps.sh). The tiny guest's
 * kernel is not installed: its package is downloaded and unpacked when the image is first built.
 */
export const hostPackages = [
  'qemu-system-x86', 'qemu-utils', 'dnsmasq-base', 'nftables', 'haproxy', 'busybox-static', 'e2fsprogs', 'xz-utils', 'iproute2', 'genisoimage', 'kmod',
  // UEFI firmware and the software TPM for guests whose images ask for them (docs/guests.md).
  'ovmf', 'swtpm',
];

/** What an LXC host needs on top (`kumo up --driver lxc`, `kumo agent --driver lxc`). */
export const containerHostPackages = ['lxc', 'uidmap'];

export function missingPackages(pkgs: string[] = hostPackages): string[] {
  return pkgs.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
}

/** Runs a command with inherited output; resolves its exit status (null when it could not start). */
function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
}

/**
 * As root on Debian/Ubuntu: apt-get update, then install `pkgs` without recommends. `afterUpdate`
 * runs as soon as the package lists are fresh, alongside the install (the guest kernel download needs
 * the lists, not the installed packages). Resolves false if apt is missing, this is not root, or apt
 * failed. Asynchronous, so `kumo up` starts its server meanwhile.
 */
export async function installPackages(pkgs: string[], say: (line: string) => void, afterUpdate?: () => Promise<unknown>): Promise<boolean> {
  if (pkgs.length === 0) return true;
  const aptGet = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!aptGet || process.getuid?.() !== 0) return false;
  say(`installing Debian packages this host needs: ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (await run(['apt-get', 'update', '-q'], env) !== 0) return false;
  const beside = afterUpdate?.().catch(() => undefined);
  const ok = await run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...pkgs], env) === 0;
  await beside;
  return ok;
}
