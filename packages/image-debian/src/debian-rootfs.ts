/**
 * The Debian root file system: debootstrap (minbase + the guest packages) into a directory, then the
 * guest files written and the build host's leftovers removed (guest-config.ts). Needs root (chroot)
 * and the mirror; no loop devices, no mounts of its own.
 */
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { requireExecutable, runCommand } from '@kumo/image-tiny';
import { unmountAllUnder } from './chroot-mounts.ts';
import { guestFiles, guestFilesRemoved, sshHostKeyPrefix } from './guest-config.ts';

export interface DebianRootfsBuild {
  suite: string;
  mirror: string;
  packages: readonly string[];
  /** The target directory (must not exist yet). */
  rootfs: string;
  /** Where debootstrap keeps downloaded .deb files between builds. */
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

export async function applyGuestConfig(rootfs: string): Promise<void> {
  for (const f of guestFiles) {
    const path = inRoot(rootfs, f.path);
    await mkdir(dirname(path), { recursive: true });
    await rm(path, { force: true }); // resolv.conf may be a symlink to the host's
    await writeFile(path, f.content);
    await chmod(path, f.mode);
  }
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

/** Builds the root file system; on failure unmounts what debootstrap left and removes the directory. */
export async function buildDebianRootfs(b: DebianRootfsBuild, log: (line: string) => void): Promise<void> {
  const debootstrap = requireExecutable('debootstrap', 'debootstrap');
  await mkdir(b.debCacheDir, { recursive: true });
  try {
    const started = Date.now();
    await runCommand(debootstrap, debootstrapArgs(b));
    log(`debian image: debootstrap ${b.suite} from ${b.mirror} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const left = await unmountAllUnder(b.rootfs);
    if (left.length > 0) log(`debian image: unmounted what debootstrap left mounted: ${left.join(', ')}`);
    await applyGuestConfig(b.rootfs);
  } catch (e) {
    await unmountAllUnder(b.rootfs);
    await rm(b.rootfs, { recursive: true, force: true });
    throw e;
  }
}
