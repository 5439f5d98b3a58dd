/**
 * Builds the Debian cloud-init guest offline from Debian packages and caches it per machine:
 *
 *   <cache root>/debian-<suite>-<key>/
 *     rootfs/        the root file system (debootstrap + guest files), owned by root
 *     rootfs.tar     the same without /boot and the kernel modules (for container hosts)
 *     vmlinux        the Debian kernel from rootfs/boot (ELF for PVH boot; vmlinuz when no PVH)
 *     initrd.img     the Debian initramfs from rootfs/boot (initramfs-tools)
 *     rootfs.qcow2   rootfs/ as an ext4 file system (mke2fs -d: no loop device), in qcow2
 *     manifest.json  inputs key, kernel version, sizes and sha256 of the files
 *
 * <key> is a hash of the inputs (suite, mirror, packages, settings, this package's source), so a
 * change rebuilds and CI builds once per machine. The cache root is $KUMO_IMAGE_CACHE_DIR, default
 * /var/cache/kumo-test-images. A build happens in a temporary directory beside the final one and is
 * renamed into place, so an interrupted build never looks complete; builders of the same key wait
 * for each other on <key>.lock (a dead builder's lock is taken over). Needs root.
 *
 * Boot it as a kernel bundle: `-kernel vmlinux -initrd initrd.img -append cmdline` with rootfs.qcow2
 * (or a linked clone of it) as the first virtio-blk disk.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  acquireBuildLock, extractPvhKernel, requireExecutable, runCommand, sha256File, writeSparseFile,
} from '@kumo/image-tiny';
import { unmountAllUnder } from './chroot-mounts.ts';
import { buildDebianRootfs } from './debian-rootfs.ts';
import {
  debianImageFormat, debianInputsKey, parseDebianManifest, type DebianImageFile, type DebianImageInputs, type DebianImageManifest,
} from './debian-image-manifest.ts';
import { hostDebianMirror } from './debian-mirror.ts';
import { debianGuestPackages, debianImageCmdline, debianRootDiskMiB, debianRootLabel, debianSuite } from './debian-image-spec.ts';

export interface DebianImage {
  /** The build directory. */
  dir: string;
  /** Root file system directory (root-owned; do not modify: copy or use as a read-only lower layer). */
  rootfsDir: string;
  /** rootfs without /boot and the kernel modules, as a tar with numeric owners. */
  rootfsTar: string;
  kernel: string;
  initrd: string;
  /** qcow2 of an ext4 file system; use it as a backing file or copy it into an image store. */
  rootDisk: string;
  cmdline: string;
  kernelVersion: string;
  sha256: { kernel: string; initrd: string; rootDisk: string; rootfsTar: string };
}

export interface BuildDebianImageOptions {
  /** Default $KUMO_IMAGE_CACHE_DIR or /var/cache/kumo-test-images. */
  cacheRoot?: string;
  log?: (line: string) => void;
  /** How long to wait for another builder of the same image (default 30 min). */
  lockTimeoutMs?: number;
}

export function debianImageCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env['KUMO_IMAGE_CACHE_DIR'] ?? '/var/cache/kumo-test-images';
}

/** sha256 of this package's non-test source files: a change to the builder rebuilds. */
async function builderSha256(): Promise<string> {
  const hash = createHash('sha256');
  const srcDir = dirname(fileURLToPath(import.meta.url));
  const names = (await readdir(srcDir)).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && n !== 'main.ts').sort();
  for (const name of names) hash.update(name).update(await readFile(join(srcDir, name)));
  return hash.digest('hex');
}

export async function debianImageInputs(): Promise<DebianImageInputs> {
  return {
    suite: debianSuite, mirror: await hostDebianMirror(), packages: debianGuestPackages,
    rootDiskMiB: debianRootDiskMiB, cmdline: debianImageCmdline, builderSha256: await builderSha256(),
  };
}

function toImage(dir: string, m: DebianImageManifest): DebianImage {
  return {
    dir, rootfsDir: join(dir, 'rootfs'), rootfsTar: join(dir, m.files.rootfsTar.name), kernel: join(dir, m.files.kernel.name),
    initrd: join(dir, m.files.initrd.name), rootDisk: join(dir, m.files.rootDisk.name), cmdline: m.cmdline, kernelVersion: m.kernelVersion,
    sha256: { kernel: m.files.kernel.sha256, initrd: m.files.initrd.sha256, rootDisk: m.files.rootDisk.sha256, rootfsTar: m.files.rootfsTar.sha256 },
  };
}

/** The complete build in dir (manifest for this key, every file of its recorded size), or null. */
async function readComplete(dir: string, key: string): Promise<DebianImageManifest | null> {
  const m = parseDebianManifest(await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => ''), key);
  if (!m) return null;
  for (const f of Object.values(m.files)) {
    const size = await stat(join(dir, f.name)).then((s) => s.size, () => -1);
    if (size !== f.size) return null;
  }
  return m;
}

/** The kernel version whose vmlinuz and initrd are in boot/ (the newest). */
async function bootedKernelVersion(bootDir: string): Promise<string> {
  const names = await readdir(bootDir);
  const versions = names.filter((n) => n.startsWith('vmlinuz-')).map((n) => n.slice('vmlinuz-'.length))
    .filter((v) => names.includes(`initrd.img-${v}`)).sort();
  const v = versions.at(-1);
  if (v === undefined) throw new Error(`${bootDir} has no vmlinuz-<version> with its initrd.img-<version>`);
  return v;
}

async function fileRecord(dir: string, name: string): Promise<DebianImageFile> {
  const path = join(dir, name);
  return { name, size: (await stat(path)).size, sha256: await sha256File(path) };
}

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(0)} s`;

async function buildInto(tmp: string, inputs: DebianImageInputs, key: string, debCacheDir: string, log: (l: string) => void): Promise<DebianImageManifest> {
  const started = Date.now();
  const mke2fs = requireExecutable('mke2fs', 'e2fsprogs');
  const qemuImg = requireExecutable('qemu-img', 'qemu-utils');
  const rootfs = join(tmp, 'rootfs');
  await buildDebianRootfs({ suite: inputs.suite, mirror: inputs.mirror, packages: inputs.packages, rootfs, debCacheDir }, log);

  const version = await bootedKernelVersion(join(rootfs, 'boot'));
  const bzImage = await readFile(join(rootfs, 'boot', `vmlinuz-${version}`));
  const kernel = await extractPvhKernel(bzImage);
  const kernelName = kernel.format === 'pvh-elf' ? 'vmlinux' : 'vmlinuz';
  if (kernel.format === 'pvh-elf') await writeSparseFile(join(tmp, kernelName), kernel.elf);
  else await writeFile(join(tmp, kernelName), bzImage);
  await writeFile(join(tmp, 'initrd.img'), await readFile(join(rootfs, 'boot', `initrd.img-${version}`)));

  let step = Date.now();
  const raw = join(tmp, 'rootfs.raw');
  await writeFile(raw, '');
  await runCommand('truncate', ['-s', `${inputs.rootDiskMiB}M`, raw]);
  const uuid = `${key.slice(0, 8)}-${key.slice(8, 12)}-4${key.slice(13, 16)}-8${key.slice(17, 20)}-${key.slice(20, 32)}`;
  await runCommand(mke2fs, [
    '-t', 'ext4', '-q', '-F', '-L', debianRootLabel, '-U', uuid, '-m', '0',
    '-E', `hash_seed=${uuid},lazy_itable_init=0,lazy_journal_init=0,nodiscard`, '-d', rootfs, raw,
  ]);
  await runCommand(qemuImg, ['convert', '-f', 'raw', '-O', 'qcow2', raw, join(tmp, 'rootfs.qcow2')]);
  await rm(raw, { force: true });
  log(`debian image: root disk (${inputs.rootDiskMiB} MiB ext4, qcow2) in ${seconds(step)}`);

  step = Date.now();
  await runCommand('tar', ['--numeric-owner', '--xattrs', '-C', rootfs, '--exclude=./boot/*', '--exclude=./usr/lib/modules/*', '-cf', join(tmp, 'rootfs.tar'), '.']);
  log(`debian image: rootfs.tar in ${seconds(step)}`);

  const manifest: DebianImageManifest = {
    format: debianImageFormat, inputsKey: key, inputs, kernelVersion: version, kernelFormat: kernel.format, cmdline: inputs.cmdline,
    files: {
      kernel: await fileRecord(tmp, kernelName), initrd: await fileRecord(tmp, 'initrd.img'),
      rootDisk: await fileRecord(tmp, 'rootfs.qcow2'), rootfsTar: await fileRecord(tmp, 'rootfs.tar'),
    },
    builtAt: new Date().toISOString(), buildMs: Date.now() - started,
  };
  await writeFile(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * The Debian cloud-init image for this machine's inputs: the cached build, or a new one (several
 * minutes: debootstrap downloads about 150 MiB once, then installs; later builds reuse the .debs).
 */
export async function buildDebianImage(opts: BuildDebianImageOptions = {}): Promise<DebianImage> {
  const log = opts.log ?? ((): void => undefined);
  const root = opts.cacheRoot ?? debianImageCacheRoot();
  const inputs = await debianImageInputs();
  const key = debianInputsKey(inputs);
  const name = `debian-${inputs.suite}-${key.slice(0, 16)}`;
  const dir = join(root, name);
  const ready = await readComplete(dir, key);
  if (ready) return toImage(dir, ready);

  await mkdir(root, { recursive: true });
  const release = await acquireBuildLock(join(root, `${name}.lock`), { timeoutMs: opts.lockTimeoutMs ?? 30 * 60_000, pollMs: 1000 });
  try {
    const meanwhile = await readComplete(dir, key);
    if (meanwhile) return toImage(dir, meanwhile);
    log(`debian image: building ${name} (${inputs.suite} from ${inputs.mirror})`);
    // A crashed builder's leftovers, and an incomplete directory of this key.
    for (const n of await readdir(root)) {
      if (n.startsWith(`.tmp-${name}-`) || n === name) {
        await unmountAllUnder(join(root, n));
        await rm(join(root, n), { recursive: true, force: true });
      }
    }
    const tmp = await mkdtemp(join(root, `.tmp-${name}-`));
    try {
      const manifest = await buildInto(tmp, inputs, key, join(root, 'debootstrap-debs'), log);
      await rename(tmp, dir);
      log(`debian image: built in ${Math.round(manifest.buildMs / 1000)} s into ${dir}`);
      return toImage(dir, manifest);
    } catch (e) {
      await unmountAllUnder(tmp);
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  } finally {
    await release();
  }
}
