/**
 * Builds the "tiny" test guest offline from Debian packages: the Debian guest
 * kernel, a gzip'd initramfs with busybox and the few drivers the guest needs,
 * and a small ext4 root disk in qcow2 with the same busybox userland.
 *
 * The kernel is the Debian vmlinuz decompressed to its ELF vmlinux, which QEMU
 * boots through the PVH entry point (`-kernel vmlinux`, same as a bzImage on the
 * command line): under TCG that cuts the time to userspace from about 7 s to
 * about 3 s. Kernels without CONFIG_PVH keep their bzImage (`vmlinuz`).
 *
 * outDir holds vmlinux (or vmlinuz), initrd.img, rootfs.qcow2 and manifest.json.
 * A build is reused when the manifest's inputs key (kernel, busybox, modules,
 * scripts, builder source) matches and every file still has its recorded sha256.
 * New builds are made in outDir/.tmp-build-* and renamed into place, manifest
 * last, so an interrupted build never looks complete. Builds into one outDir are
 * serialised by outDir/.build.lock.
 *
 * Do not use rootfs.qcow2 in place as the backing file of long-lived linked
 * clones: a rebuild replaces it. Copy it into an image store first.
 */
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { acquireBuildLock } from './build-lock.ts';
import { gatherBuildInputs, type BuildInputs } from './build-inputs.ts';
import { encodeCpioNewc } from './cpio-newc-writer.ts';
import { initramfsTree, rootDiskTree, userlandTree } from './guest-tree-builder.ts';
import { readReusableBuild, sha256File } from './image-cache.ts';
import {
  computeInputsKey, fileNameOf, kernelFileNames, tinyImageFileNames, tinyImageFileRoles, tinyImageFormat,
  type TinyImageManifest,
} from './image-manifest.ts';
import { extractPvhKernel } from './pvh-kernel-extractor.ts';
import { buildRootDisk } from './root-disk-builder.ts';
import { writeSparseFile } from './sparse-file-writer.ts';

export { findGuestKernel, type GuestKernel } from './guest-kernel-finder.ts';
export {
  bootDebianPackages, initrdModuleNames, requiredDebianPackages, rootDiskExtraModuleNames, rootDiskMiB, tinyImageCmdline,
} from './tiny-image-spec.ts';

export interface TinyImage {
  /** Absolute paths inside outDir. */
  kernel: string;
  initrd: string;
  /** qcow2; use it as the backing file of a linked clone. */
  rootDisk: string;
  /** Kernel command line for direct kernel boot; append `kumo_hostname=NAME` etc. */
  cmdline: string;
  sha256: { kernel: string; initrd: string; rootDisk: string };
}

export interface BuildTinyImageOptions {
  outDir: string;
  log?: (line: string) => void;
}

function toTinyImage(outDir: string, manifest: TinyImageManifest): TinyImage {
  return {
    kernel: join(outDir, manifest.files.kernel.name),
    initrd: join(outDir, manifest.files.initrd.name),
    rootDisk: join(outDir, manifest.files.rootDisk.name),
    cmdline: manifest.cmdline,
    sha256: { kernel: manifest.files.kernel.sha256, initrd: manifest.files.initrd.sha256, rootDisk: manifest.files.rootDisk.sha256 },
  };
}

/** A UUID-shaped string derived from the inputs key (stable file system UUID). */
function uuidFromKey(key: string): string {
  return `${key.slice(0, 8)}-${key.slice(8, 12)}-4${key.slice(13, 16)}-8${key.slice(17, 20)}-${key.slice(20, 32)}`;
}

const gzipAsync = promisify(gzip);
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

async function buildInto(outDir: string, b: BuildInputs, inputsKey: string, log: (line: string) => void): Promise<TinyImageManifest> {
  const started = Date.now();
  const tmp = await mkdtemp(join(outDir, '.tmp-build-'));
  try {
    // The three files are independent: the kernel's decompression (an xz child process, the longest
    // step) runs while the initrd is compressed and the root disk is made (mke2fs, qemu-img).
    const kernelStep = (async () => {
      const k = await extractPvhKernel(b.kernelImage);
      if (k.format === 'pvh-elf') {
        await writeSparseFile(join(tmp, kernelFileNames['pvh-elf']), k.elf);
        log(`tiny image: kernel ${b.kernel.version} extracted to an ELF vmlinux for PVH boot (${mib(k.elf.length)})`);
      } else {
        await writeFile(join(tmp, kernelFileNames.bzimage), b.kernelImage);
        log(`tiny image: keeping the bzImage of ${b.kernel.version}: ${k.reason}`);
      }
      return k;
    })();
    const userland = userlandTree(b.busybox, b.applets);
    const initrdStep = (async () => {
      const cpio = encodeCpioNewc(initramfsTree(userland, b.initrdModules));
      // Level 6, not 9: level 9 made the initrd 0.4 % smaller (1,890,789 vs 1,897,700 bytes) and
      // took 10.5 s instead of 1.4 s at load 20 (bench/README.md, first run).
      const initrd = await gzipAsync(cpio, { level: 6 });
      await writeFile(join(tmp, tinyImageFileNames.initrd), initrd);
      log(`tiny image: initrd ${mib(initrd.length)} (cpio ${mib(cpio.length)}, ${b.initrdModules.modules.length} modules)`);
    })();
    const rootDiskStep = buildRootDisk({
      tree: rootDiskTree(userland, b.rootDiskModules),
      sizeMiB: b.inputs.rootDiskMiB,
      uuid: uuidFromKey(inputsKey),
      mke2fs: b.mke2fs,
      qemuImg: b.qemuImg,
      workDir: join(tmp, 'work'),
      output: join(tmp, tinyImageFileNames.rootDisk),
    });
    const [kernelResult, initrdResult, rootDiskResult] = await Promise.allSettled([kernelStep, initrdStep, rootDiskStep]);
    for (const r of [kernelResult, initrdResult, rootDiskResult]) if (r.status === 'rejected') throw r.reason;
    const kernel = (kernelResult as PromiseFulfilledResult<Awaited<typeof kernelStep>>).value;
    await rm(join(tmp, 'work'), { recursive: true, force: true });

    const files = {} as TinyImageManifest['files'];
    for (const role of tinyImageFileRoles) {
      const name = fileNameOf(role, kernel.format);
      const path = join(tmp, name);
      files[role] = { name, size: (await stat(path)).size, sha256: await sha256File(path) };
    }
    log(`tiny image: root disk ${mib(files.rootDisk.size)} qcow2 (${b.inputs.rootDiskMiB} MiB ext4), kernel ${mib(files.kernel.size)}`);
    const manifest: TinyImageManifest = {
      format: tinyImageFormat,
      inputsKey,
      inputs: b.inputs,
      kernelFormat: kernel.format,
      cmdline: b.inputs.cmdline,
      files,
      builtAt: new Date().toISOString(),
      buildMs: Date.now() - started,
    };
    await writeFile(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

    // Commit: drop the old manifest first, so a crash between renames leaves a
    // directory that is (correctly) not reusable; the new manifest goes last.
    await rm(join(outDir, 'manifest.json'), { force: true });
    for (const role of tinyImageFileRoles) await rename(join(tmp, files[role].name), join(outDir, files[role].name));
    for (const name of Object.values(kernelFileNames)) {
      if (name !== files.kernel.name) await rm(join(outDir, name), { force: true });
    }
    await rename(join(tmp, 'manifest.json'), join(outDir, 'manifest.json'));
    log(`tiny image: built in ${manifest.buildMs} ms into ${outDir}`);
    return manifest;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function removeStaleTemps(outDir: string): Promise<void> {
  for (const name of await readdir(outDir)) {
    if (name.startsWith('.tmp-build-')) await rm(join(outDir, name), { recursive: true, force: true });
  }
}

/** Builds the tiny guest image into outDir, or returns the complete build already there. */
export async function buildTinyImage(opts: BuildTinyImageOptions): Promise<TinyImage> {
  const log = opts.log ?? ((): void => undefined);
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const b = await gatherBuildInputs();
  const inputsKey = computeInputsKey(b.inputs);

  const first = await readReusableBuild(outDir, inputsKey);
  if (first.verdict.reuse && first.manifest) {
    log(`tiny image: reusing the build in ${outDir} (kernel ${b.kernel.version})`);
    return toTinyImage(outDir, first.manifest);
  }
  const release = await acquireBuildLock(join(outDir, '.build.lock'));
  try {
    // Another builder may have finished while we waited for the lock.
    const again = await readReusableBuild(outDir, inputsKey);
    if (again.verdict.reuse && again.manifest) {
      log(`tiny image: reusing the build in ${outDir} (built meanwhile)`);
      return toTinyImage(outDir, again.manifest);
    }
    if (!again.verdict.reuse) log(`tiny image: building (kernel ${b.kernel.version}): ${again.verdict.reason}`);
    await removeStaleTemps(outDir);
    return toTinyImage(outDir, await buildInto(outDir, b, inputsKey, log));
  } finally {
    await release();
  }
}
