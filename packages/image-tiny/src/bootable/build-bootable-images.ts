/**
 * Bootable images of the tiny guest, built offline from Debian packages without loop devices or root
 * mounts — what real users bring (a disk with its own bootloader, an installer ISO), small enough
 * for tests under TCG:
 *  - bios.raw: MBR + a FAT32 partition (mkfs.vfat on a file, filled with mtools, written at 1 MiB);
 *    GRUB i386-pc's boot.img in the MBR and its core.img (grub-mkimage, with the partition as its
 *    prefix) in the gap before the partition — what grub-install does, by hand.
 *  - uefi.raw: GPT + an EFI system partition holding GRUB EFI (grub-mkstandalone) as
 *    \EFI\BOOT\BOOTX64.EFI, the removable-media path OVMF boots without any NVRAM boot entry.
 *  - installer.iso: grub-mkrescue (xorriso), bootable by BIOS and UEFI from a CD-ROM.
 * Each boots the tiny guest's kernel and initrd and prints grub-config.ts's marker first.
 * Debian packages: grub-pc-bin, grub-efi-amd64-bin, grub-common, mtools, dosfstools, fdisk, xorriso.
 * Built into outDir and reused while the inputs (kernel, initrd, this builder) are unchanged.
 */
import { createHash } from 'node:crypto';
import { open, mkdir, mkdtemp, readFile, rename, rm, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { requireExecutable } from '../host-tools.ts';
import { runCommand } from '../run-command.ts';
import { bootDiskLayout, sectorBytes } from './disk-layout.ts';
import { bootTagFile, tinyGrubConfig, type BootPath } from './grub-config.ts';

export interface BootableImageInputs {
  /** A bzImage (Debian's vmlinuz; GRUB's `linux` loads it). */
  vmlinuz: string;
  initrd: string;
  /** Kernel command line of the guest (console=ttyS0 …). */
  cmdline: string;
}

export interface BootableImages {
  bios: string;
  uefi: string;
  iso: string;
}

const partitionMiB = 40;
const biosModules = ['biosdisk', 'part_msdos', 'fat', 'normal', 'linux', 'search', 'search_fs_file', 'echo', 'serial', 'terminal'];
const efiModules = ['part_gpt', 'fat', 'normal', 'linux', 'search', 'search_fs_file', 'echo', 'serial', 'terminal', 'efi_gop'];

async function inputsKey(inputs: BootableImageInputs): Promise<string> {
  const h = createHash('sha256');
  for (const f of [inputs.vmlinuz, inputs.initrd, new URL(import.meta.url).pathname, new URL('./grub-config.ts', import.meta.url).pathname]) {
    h.update(await readFile(f));
  }
  h.update(inputs.cmdline);
  return h.digest('hex');
}

/** A FAT32 file system in a file, holding `files` (name in the root → host path). */
async function fatImage(path: string, sizeMiB: number, files: Record<string, string>, dirs: string[] = []): Promise<void> {
  await runCommand(requireExecutable('mkfs.vfat', 'dosfstools'), ['-F', '32', '-n', 'KUMOBOOT', '-C', path, String(sizeMiB * 1024)]);
  const mmd = requireExecutable('mmd', 'mtools');
  const mcopy = requireExecutable('mcopy', 'mtools');
  for (const d of dirs) await runCommand(mmd, ['-i', path, `::${d}`]);
  for (const [name, src] of Object.entries(files)) await runCommand(mcopy, ['-i', path, src, `::${name}`]);
}

/** Writes `data` into `file` at byte `offset` (the file keeps its size). */
async function writeAt(file: string, offset: number, data: Uint8Array): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    await fh.write(data, 0, data.length, offset);
  } finally {
    await fh.close();
  }
}

async function partitionedDisk(path: string, kind: 'bios' | 'uefi', fat: string, work: string): Promise<void> {
  const layout = bootDiskLayout(kind, partitionMiB);
  await writeFile(path, '');
  const fh = await open(path, 'r+');
  await fh.truncate(layout.diskBytes);
  await fh.close();
  const script = join(work, `${kind}.sfdisk`);
  await writeFile(script, layout.sfdiskScript);
  await runCommand('sh', ['-c', `"$0" --quiet --no-reread --no-tell-kernel "$1" < "$2"`, requireExecutable('sfdisk', 'fdisk'), path, script]);
  await writeAt(path, layout.partitionStartSector * sectorBytes, await readFile(fat));
}

async function buildBios(out: string, inputs: BootableImageInputs, tag: string, work: string): Promise<void> {
  const cfg = join(work, 'bios-grub.cfg');
  await writeFile(cfg, tinyGrubConfig('bios', inputs.cmdline));
  const fat = join(work, 'bios-fat.img');
  await fatImage(fat, partitionMiB, { [bootTagFile.slice(1)]: tag, vmlinuz: inputs.vmlinuz, 'initrd.img': inputs.initrd, 'boot/grub/grub.cfg': cfg }, ['boot', 'boot/grub']);
  await partitionedDisk(out, 'bios', fat, work);
  const core = join(work, 'core.img');
  await runCommand(requireExecutable('grub-mkimage', 'grub-common'), ['-O', 'i386-pc', '-o', core, '-p', '(hd0,msdos1)/boot/grub', ...biosModules]);
  const coreImg = await readFile(core);
  if (coreImg.length > (2048 - 1) * sectorBytes) throw new Error(`GRUB core.img is ${coreImg.length} bytes: too big for the gap before the partition`);
  // boot.img: its code (the first 440 bytes) into the MBR, keeping the disk signature and the
  // partition table. Its defaults load core.img from sector 1 and use the BIOS boot drive.
  const bootImg = await readFile('/usr/lib/grub/i386-pc/boot.img');
  await writeAt(out, 0, bootImg.subarray(0, 440));
  await writeAt(out, sectorBytes, coreImg);
}

async function buildUefi(out: string, inputs: BootableImageInputs, tag: string, work: string): Promise<void> {
  const cfg = join(work, 'uefi-grub.cfg');
  await writeFile(cfg, tinyGrubConfig('uefi', inputs.cmdline));
  const efi = join(work, 'BOOTX64.EFI');
  await runCommand(requireExecutable('grub-mkstandalone', 'grub-common'), [
    '-O', 'x86_64-efi', '-o', efi, '--modules', efiModules.join(' '), '--locales=', '--themes=', '--fonts=',
    `boot/grub/grub.cfg=${cfg}`,
  ]);
  const fat = join(work, 'esp.img');
  await fatImage(fat, partitionMiB, { [bootTagFile.slice(1)]: tag, vmlinuz: inputs.vmlinuz, 'initrd.img': inputs.initrd, 'EFI/BOOT/BOOTX64.EFI': efi }, ['EFI', 'EFI/BOOT']);
  await partitionedDisk(out, 'uefi', fat, work);
}

async function buildIso(out: string, inputs: BootableImageInputs, tag: string, work: string): Promise<void> {
  const root = join(work, 'iso-root');
  await mkdir(join(root, 'boot', 'grub'), { recursive: true });
  await writeFile(join(root, 'boot', 'grub', 'grub.cfg'), tinyGrubConfig('iso', inputs.cmdline));
  await copyFile(inputs.vmlinuz, join(root, 'vmlinuz'));
  await copyFile(inputs.initrd, join(root, 'initrd.img'));
  await copyFile(tag, join(root, bootTagFile.slice(1)));
  requireExecutable('xorriso', 'xorriso');
  await runCommand(requireExecutable('grub-mkrescue', 'grub-common'), ['-o', out, root, '--', '-volid', 'KUMO_TINY']);
}

/** Builds (or reuses) the three images in outDir. */
export async function buildBootableImages(outDir: string, inputs: BootableImageInputs): Promise<BootableImages> {
  const key = await inputsKey(inputs);
  const images: BootableImages = { bios: join(outDir, 'bios.raw'), uefi: join(outDir, 'uefi.raw'), iso: join(outDir, 'installer.iso') };
  const keyFile = join(outDir, 'inputs.sha256');
  if ((await readFile(keyFile, 'utf8').catch(() => '')) === key) return images;
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'kumo-bootable-'));
  try {
    const tag = join(work, 'tag');
    await writeFile(tag, 'kumo tiny guest boot file system\n');
    const builders: Record<BootPath, (o: string) => Promise<void>> = {
      bios: (o) => buildBios(o, inputs, tag, work),
      uefi: (o) => buildUefi(o, inputs, tag, work),
      iso: (o) => buildIso(o, inputs, tag, work),
    };
    for (const [path, build] of Object.entries(builders) as Array<[BootPath, (o: string) => Promise<void>]>) {
      const target = images[path];
      await build(`${target}.part`);
      await rename(`${target}.part`, target);
    }
    await writeFile(keyFile, key);
    return images;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
