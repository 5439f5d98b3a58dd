/**
 * The tiny guest's userland as a container root file system (`tiny-ct`): the same busybox tree
 * as the root disk, without kernel modules, with init's shell on /dev/console (LXC's console)
 * instead of ttyS0 and the host name LXC gave the container instead of a kernel argument.
 * Packed as a gzip'd tar with numeric owner 0, the form Kumo's root-fs images take.
 * (In its own directory: the tiny VM image's cache key hashes the files of src/ itself, and
 * this builder does not change that image.)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { elfLinkage } from '../elf-reader.ts';
import { rcScript } from '../guest-scripts.ts';
import { userlandTree } from '../guest-tree-builder.ts';
import { executable, file, type TreeEntry } from '../guest-tree.ts';
import { writeTreeToDirectory } from '../guest-tree-writer.ts';
import { MissingDebianPackageError } from '../host-tools.ts';
import { runCommand } from '../run-command.ts';

export const containerInittab = `# Kumo tiny container (busybox init; LXC sends SIGUSR2 to power off, SIGTERM to reboot)
console::sysinit:/etc/init.d/rcS
console::respawn:-/bin/sh
::ctrlaltdel:/sbin/reboot
console::shutdown:/etc/init.d/rcK
`;

const hostFromCmdline = 'host=$(kumo_arg hostname)';

/** rcS for a container: the host name is the one LXC set (lxc.uts.name), not a kernel argument. */
export function containerRcScript(): string {
  if (!rcScript.includes(hostFromCmdline)) throw new Error('rcS no longer reads the host name from the kernel command line: update container-rootfs.ts');
  return rcScript.replace(hostFromCmdline, 'host=$(hostname)');
}

export function containerRootfsTree(busybox: Uint8Array, applets: readonly string[]): TreeEntry[] {
  const replaced = new Set(['etc/inittab', 'etc/init.d/rcS']);
  return [
    ...userlandTree(busybox, applets).filter((e) => !replaced.has(e.path)),
    file('etc/inittab', containerInittab),
    executable('etc/init.d/rcS', containerRcScript()),
  ];
}

/** Builds the tiny container root file system into outFile (a .tar.gz). */
export async function buildTinyRootfsTar(outFile: string): Promise<void> {
  const path = '/bin/busybox';
  const busybox = { path, bytes: await readFile(path).catch(() => new Uint8Array()) };
  if (elfLinkage(busybox.bytes) !== 'static') throw new MissingDebianPackageError('busybox-static', `${path} is not a statically linked busybox`);
  const applets = (await runCommand(busybox.path, ['--list-full'])).split('\n').map((l) => l.trim()).filter((l) => l !== '').sort();
  const tmp = await mkdtemp(join(dirname(outFile), '.tiny-ct-'));
  try {
    await writeTreeToDirectory(containerRootfsTree(busybox.bytes, applets), join(tmp, 'root'));
    await runCommand('tar', ['-C', join(tmp, 'root'), '--numeric-owner', '--owner=0', '--group=0', '-czf', join(tmp, 'rootfs.tar.gz'), '.']);
    await runCommand('mv', ['-f', join(tmp, 'rootfs.tar.gz'), outFile]);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
