/**
 * The Debian root file system: debootstrap (minbase + the guest packages) into a directory, Debian's
 * kernel installed in it with apt (after initramfs-tools is told to build a small initramfs), then the
 * guest files written and the build's leftovers removed (guest-config.ts). Needs root (chroot) and
 * the mirror; no loop devices. The only mount is /proc inside the chroot while apt installs the
 * kernel, and it is undone on every path.
 */
import { chmod, copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { requireExecutable, runCommand } from '@kumo/image-tiny';
import { unmountAllUnder } from './chroot-mounts.ts';
import { debianKernelPackage } from './debian-image-spec.ts';
import { guestFiles, guestFilesRemoved, initramfsFiles, sshHostKeyPrefix, type GuestFile } from './guest-config.ts';

export interface DebianRootfsBuild {
  suite: string;
  mirror: string;
  packages: readonly string[];
  /** The target directory (must not exist yet). */
  rootfs: string;
  /** Where downloaded .deb files are kept between builds (debootstrap's and the kernel's). */
  debCacheDir: string;
}

/** Argument list of the debootstrap run (pure). */
export function debootstrapArgs(b: DebianRootfsBuild): string[] {
  return [
    '--variant=minbase', `--cache-dir=${b.debCacheDir}`, `--include=${b.packages.join(',')}`,
    '--components=main', b.suite, b.rootfs, b.mirror,
  ];
}

/** Path inside the root file system (absolute guest path → host path). */
const inRoot = (rootfs: string, guestPath: string): string => join(rootfs, guestPath);

async function writeFiles(rootfs: string, files: readonly GuestFile[]): Promise<void> {
  for (const f of files) {
    const path = inRoot(rootfs, f.path);
    await mkdir(dirname(path), { recursive: true });
    await rm(path, { force: true }); // resolv.conf may be a symlink to the host's
    await writeFile(path, f.content);
    await chmod(path, f.mode);
  }
}

/** The guest files written and the build's leftovers removed (after the last apt run). */
export async function applyGuestConfig(rootfs: string): Promise<void> {
  await writeFiles(rootfs, guestFiles);
  for (const p of guestFilesRemoved) {
    const path = inRoot(rootfs, p);
    const entries = await readdir(path).catch(() => null);
    if (entries === null) {
      await rm(path, { force: true });
      continue;
    }
    for (const e of entries) if (e !== 'partial' && e !== 'lock') await rm(join(path, e), { recursive: true, force: true });
  }
  const sshDir = inRoot(rootfs, '/etc/ssh');
  for (const name of await readdir(sshDir).catch(() => [] as string[])) {
    if (name.startsWith(sshHostKeyPrefix)) await rm(join(sshDir, name), { force: true });
  }
}

const isKernelDeb = (name: string): boolean => name.startsWith('linux-image-') && name.endsWith('.deb');

/**
 * `apt-get install linux-image-amd64` inside the chroot, with the apt lists debootstrap left there.
 * Kernel packages downloaded by an earlier build are copied in first and the new ones kept after.
 */
export async function installKernel(rootfs: string, debCacheDir: string): Promise<void> {
  const archives = inRoot(rootfs, '/var/cache/apt/archives');
  for (const n of (await readdir(debCacheDir).catch(() => [] as string[])).filter(isKernelDeb)) await copyFile(join(debCacheDir, n), join(archives, n));
  await writeFiles(rootfs, initramfsFiles);
  const proc = inRoot(rootfs, '/proc');
  await runCommand('mount', ['-t', 'proc', 'proc', proc]);
  try {
    await runCommand('chroot', [rootfs, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', debianKernelPackage]);
  } finally {
    await unmountAllUnder(proc);
  }
  for (const n of (await readdir(archives)).filter(isKernelDeb)) await copyFile(join(archives, n), join(debCacheDir, n));
}

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(0)} s`;

/** Builds the root file system; on failure unmounts what is mounted under it and removes it. */
export async function buildDebianRootfs(b: DebianRootfsBuild, log: (line: string) => void): Promise<void> {
  const debootstrap = requireExecutable('debootstrap', 'debootstrap');
  await mkdir(b.debCacheDir, { recursive: true });
  try {
    let started = Date.now();
    await runCommand(debootstrap, debootstrapArgs(b)).catch(async (e: unknown) => {
      // debootstrap's own log says which package failed; the rootfs (and the log) goes below.
      const logTail = (await readFile(join(b.rootfs, 'debootstrap', 'debootstrap.log'), 'utf8').catch(() => '')).split('\n').slice(-40).join('\n');
      throw new Error(`${(e as Error).message}\n--- debootstrap.log (last lines) ---\n${logTail}`);
    });
    log(`debian image: debootstrap ${b.suite} from ${b.mirror} in ${seconds(started)}`);
    const left = await unmountAllUnder(b.rootfs);
    if (left.length > 0) log(`debian image: unmounted what debootstrap left mounted: ${left.join(', ')}`);
    started = Date.now();
    await installKernel(b.rootfs, b.debCacheDir);
    log(`debian image: ${debianKernelPackage} installed in the chroot in ${seconds(started)}`);
    await applyGuestConfig(b.rootfs);
  } catch (e) {
    await unmountAllUnder(b.rootfs);
    await rm(b.rootfs, { recursive: true, force: true });
    throw e;
  }
}
