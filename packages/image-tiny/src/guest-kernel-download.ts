/**
 * The guest kernel without installing a kernel into the host: Debian's kernel package is
 * downloaded with `apt-get download` and unpacked with `dpkg-deb -x` into a cache directory
 * (boot/vmlinuz-<version> and lib/modules/<version>, indexed with `depmod -b`), where findGuestKernel
 * looks after /boot.
 * Installing linux-image-amd64 instead costs minutes on a fresh machine (initramfs generation for a
 * kernel the host never boots) and changes the host's boot setup.
 */
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findGuestKernel, type GuestKernel } from './guest-kernel-finder.ts';
import { runCommand } from './run-command.ts';
import { requireExecutable } from './host-tools.ts';

/** The Debian metapackage whose kernel the guest boots: downloaded and unpacked, never installed. */
export const guestKernelDebianPackage = 'linux-image-amd64';

/** Where unpacked guest kernels are kept: $KUMO_GUEST_KERNEL_CACHE or /var/cache/kumo/guest-kernel. */
export function guestKernelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['KUMO_GUEST_KERNEL_CACHE'] ?? '/var/cache/kumo/guest-kernel';
}

/** The concrete kernel package the `linux-image-amd64` metapackage points at, from `apt-cache depends` output. */
export function kernelPackageFromDepends(aptCacheDepends: string): string | null {
  for (const line of aptCacheDepends.split('\n')) {
    const m = /^\s*\|?Depends:\s*(linux-image-[0-9][^\s]*-amd64)\s*$/.exec(line);
    if (m) return m[1]!;
  }
  return null;
}

/** The newest kernel unpacked under the cache (each package in its own directory), or null. */
export async function findCachedGuestKernel(cacheDir: string): Promise<GuestKernel | null> {
  let entries: string[];
  try { entries = (await readdir(cacheDir)).filter((n) => n.startsWith('linux-image-')).sort(); } catch { return null; }
  for (const name of entries.reverse()) {
    const k = findGuestKernel({ bootDir: join(cacheDir, name, 'boot'), modulesRoot: join(cacheDir, name, 'lib', 'modules') });
    if (k) return k;
  }
  return null;
}

export interface KernelDownloadTools {
  /** Runs a program and resolves its stdout (cwd for apt-get download). */
  run(file: string, args: readonly string[], cwd?: string): Promise<string>;
}

/** depmod lives in /usr/sbin (kmod), which a non-root PATH may lack; a missing kmod is named as such. */
const hostTools: KernelDownloadTools = {
  run: (file, args, cwd) => runCommand(file === 'depmod' ? requireExecutable('depmod', 'kmod') : file, args, cwd ? { cwd } : {}),
};

/**
 * Download and unpack the current Debian guest kernel into cacheDir (unless it is there already) and
 * return it. Unpacked into a temporary directory beside its final place and renamed, so a crash leaves
 * no half-unpacked kernel. Needs apt's package lists (apt-get update) and network access to the mirror.
 */
export async function downloadGuestKernel(cacheDir = guestKernelCacheDir(), tools: KernelDownloadTools = hostTools): Promise<GuestKernel> {
  const pkg = kernelPackageFromDepends(await tools.run('apt-cache', ['depends', 'linux-image-amd64']));
  if (!pkg) throw new Error('apt-cache depends linux-image-amd64 names no linux-image-<version>-amd64 package (run apt-get update first)');
  const final = join(cacheDir, pkg);
  const ready = await findCachedGuestKernel(cacheDir);
  if (existsSync(final) && ready) return ready;
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, '.download-'));
  try {
    await tools.run('apt-get', ['download', '-q', pkg], work);
    const deb = (await readdir(work)).find((n) => n.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg} left no .deb`);
    const tree = join(work, 'tree');
    await tools.run('dpkg-deb', ['-x', join(work, deb), tree]);
    // modules.dep is made by depmod at install time, not shipped in the package.
    const version = pkg.slice('linux-image-'.length);
    await tools.run('depmod', ['-b', tree, version]);
    await rm(final, { recursive: true, force: true });
    await rename(tree, final);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const k = await findCachedGuestKernel(cacheDir);
  if (!k) throw new Error(`${pkg} unpacked into ${final} has no boot/vmlinuz-* with lib/modules/*/modules.dep`);
  return k;
}
