/**
 * The tiny guest's userland as a container root file system (`tiny-ct`): the same busybox tree
 * as the root disk, without kernel modules, with init's shell on /dev/console (LXC's console)
 * instead of ttyS0 and the host name LXC gave the container instead of a kernel argument.
 * Packed as a tar (numeric owner 0, sorted names, mtime 0: the same input gives the same bytes, so
 * its sha256 names it), the form Kumo's root-fs images take.
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

const pathLine = 'export PATH=/sbin:/bin:/usr/sbin:/usr/bin\n';

/**
 * rcS for a container: the host name is the one LXC set (lxc.uts.name), not a kernel argument; and
 * SIGHUP is ignored. LXC's /dev/console is a pty that becomes rcS's controlling terminal (a VM's
 * /dev/console never does), so when rcS exits the kernel hangs up its process group: the DHCP
 * client it started in the background died with it, mid-lease, and the container never got its address.
 */
export function containerRcScript(): string {
  if (!rcScript.includes(hostFromCmdline)) throw new Error('rcS no longer reads the host name from the kernel command line: update container-rootfs.ts');
  if (!rcScript.includes(pathLine)) throw new Error('rcS no longer sets PATH first: update container-rootfs.ts');
  return rcScript.replace(hostFromCmdline, 'host=$(hostname)')
    .replace(pathLine, `${pathLine}# The console is this script's controlling tty here: what it starts in the background outlives its hangup.\ntrap '' HUP\n`);
}

export function containerRootfsTree(busybox: Uint8Array, applets: readonly string[]): TreeEntry[] {
  const replaced = new Set(['etc/inittab', 'etc/init.d/rcS']);
  return [
    ...userlandTree(busybox, applets).filter((e) => !replaced.has(e.path)),
    file('etc/inittab', containerInittab),
    executable('etc/init.d/rcS', containerRcScript()),
  ];
}

/** Builds the tiny container root file system into outFile (an uncompressed, reproducible tar). */
export async function buildTinyRootfsTar(outFile: string): Promise<void> {
  const path = '/bin/busybox';
  const busybox = { path, bytes: await readFile(path).catch(() => new Uint8Array()) };
  if (elfLinkage(busybox.bytes) !== 'static') throw new MissingDebianPackageError('busybox-static', `${path} is not a statically linked busybox`);
  const applets = (await runCommand(busybox.path, ['--list-full'])).split('\n').map((l) => l.trim()).filter((l) => l !== '').sort();
  const tmp = await mkdtemp(join(dirname(outFile), '.tiny-ct-'));
  try {
    await writeTreeToDirectory(containerRootfsTree(busybox.bytes, applets), join(tmp, 'root'));
    await runCommand('tar', ['-C', join(tmp, 'root'), '--sort=name', '--mtime=@0', '--numeric-owner', '--owner=0', '--group=0', '-cf', join(tmp, 'rootfs.tar'), '.']);
    await runCommand('mv', ['-f', join(tmp, 'rootfs.tar'), outFile]);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
