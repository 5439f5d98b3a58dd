/** Collects a build's inputs from the host (I/O). */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { elfLinkage } from './elf-reader.ts';
import { findGuestKernel, type GuestKernel } from './guest-kernel-finder.ts';
import { downloadGuestKernel, findCachedGuestKernel, guestKernelCacheDir } from './guest-kernel-download.ts';
import { allGuestTexts } from './guest-scripts.ts';
import type { GuestModuleFile, ModuleSet } from './guest-tree-builder.ts';
import { MissingDebianPackageError, requireExecutable } from './host-tools.ts';
import { sha256Hex, type TinyImageInputs } from './image-manifest.ts';
import {
  parseModulesBuiltin, parseModulesDep, renderModulesDep, resolveModuleLoadOrder, type KernelModule,
} from './module-deps-resolver.ts';
import { runCommand } from './run-command.ts';
import { initrdModuleNames, rootDiskExtraModuleNames, rootDiskMiB, tinyImageCmdline } from './tiny-image-spec.ts';

/** Everything a build reads from the host, checked and hashed. */
export interface BuildInputs {
  kernel: GuestKernel;
  kernelImage: Uint8Array;
  inputs: TinyImageInputs;
  busybox: Uint8Array;
  applets: string[];
  initrdModules: ModuleSet;
  rootDiskModules: ModuleSet;
  mke2fs: string;
  qemuImg: string;
}

/**
 * Hash of the guest scripts and of the builder's own source files (this
 * directory's *.ts without tests), so any change to them invalidates cached builds.
 */
async function builderSha256(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(allGuestTexts));
  const srcDir = dirname(fileURLToPath(import.meta.url));
  const names = (await readdir(srcDir).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && n !== 'main.ts')
    .sort();
  for (const name of names) hash.update(name).update(await readFile(join(srcDir, name)));
  return hash.digest('hex');
}

async function readBusybox(): Promise<{ path: string; bytes: Uint8Array }> {
  for (const path of ['/bin/busybox', '/usr/bin/busybox']) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch {
      continue;
    }
    if (elfLinkage(bytes) !== 'static') {
      throw new MissingDebianPackageError('busybox-static', `${path} is not a statically linked busybox (package busybox?)`);
    }
    return { path, bytes };
  }
  throw new MissingDebianPackageError('busybox-static', 'no /bin/busybox');
}

async function readModuleSet(kernel: GuestKernel, plan: readonly KernelModule[], cache: Map<string, Uint8Array>): Promise<ModuleSet> {
  const modules: GuestModuleFile[] = [];
  for (const m of plan) {
    let data = cache.get(m.path);
    if (!data) {
      data = await readFile(join(kernel.modulesDir, m.path));
      cache.set(m.path, data);
    }
    modules.push({ path: m.path, data });
  }
  return { kernelVersion: kernel.version, modules, modulesDep: renderModulesDep(plan) };
}

/**
 * The guest kernel: one installed in /boot, else one unpacked in the cache, else Debian's kernel
 * package downloaded and unpacked there now (never installed into the host).
 */
async function guestKernel(): Promise<GuestKernel> {
  const found = findGuestKernel() ?? await findCachedGuestKernel(guestKernelCacheDir());
  if (found) return found;
  try {
    return await downloadGuestKernel();
  } catch (e) {
    throw new MissingDebianPackageError('linux-image-amd64', `no /boot/vmlinuz-<version> with its modules, and downloading the package failed: ${(e as Error).message}`);
  }
}

/**
 * Finds and reads the kernel, its modules and busybox, checks the host tools, and
 * computes the inputs that key the build. Throws MissingDebianPackageError naming
 * the package when something is missing.
 */
export async function gatherBuildInputs(): Promise<BuildInputs> {
  const kernel = await guestKernel();
  const kernelImage = await readFile(kernel.vmlinuz);
  const busybox = await readBusybox();
  const mke2fs = requireExecutable('mke2fs', 'e2fsprogs');
  const qemuImg = requireExecutable('qemu-img', 'qemu-utils');

  const deps = parseModulesDep(await readFile(join(kernel.modulesDir, 'modules.dep'), 'utf8'));
  const builtin = parseModulesBuiltin(await readFile(join(kernel.modulesDir, 'modules.builtin'), 'utf8').catch(() => ''));
  const initrdPlan = resolveModuleLoadOrder(initrdModuleNames, deps, builtin);
  const rootPlan = resolveModuleLoadOrder([...initrdModuleNames, ...rootDiskExtraModuleNames], deps, builtin);
  const files = new Map<string, Uint8Array>();
  const initrdModules = await readModuleSet(kernel, initrdPlan.load, files);
  // The initrd's drivers are loaded before switch_root; the disk carries only the extras.
  const inInitrd = new Set(initrdPlan.load.map((m) => m.path));
  const rootDiskModules = await readModuleSet(kernel, rootPlan.load.filter((m) => !inInitrd.has(m.path)), files);

  const modulesHash = createHash('sha256');
  for (const m of [...initrdModules.modules, ...rootDiskModules.modules]) modulesHash.update(m.path).update(m.data);
  const applets = (await runCommand(busybox.path, ['--list-full']))
    .split('\n').map((l) => l.trim()).filter((l) => l !== '').sort();

  const inputs: TinyImageInputs = {
    kernelVersion: kernel.version,
    kernelSha256: sha256Hex(kernelImage),
    busyboxSha256: sha256Hex(busybox.bytes),
    modulesSha256: modulesHash.digest('hex'),
    initrdModules: initrdModules.modules.map((m) => m.path),
    rootDiskModules: rootDiskModules.modules.map((m) => m.path),
    builderSha256: await builderSha256(),
    rootDiskMiB,
    cmdline: tinyImageCmdline,
  };
  return { kernel, kernelImage, inputs, busybox: busybox.bytes, applets, initrdModules, rootDiskModules, mke2fs, qemuImg };
}
