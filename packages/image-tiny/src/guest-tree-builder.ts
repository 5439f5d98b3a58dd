/**
 * The file trees of the tiny guest (pure): a busybox userland shared by the
 * initramfs and the root disk, plus what each of them needs on its own.
 */
import {
  chardev, dir, executable, file, relativeTarget, symlink, type TreeEntry,
} from './guest-tree.ts';
import {
  configDriveScript, fetchInstanceIdScript, groupFile, initScript, initrdModuleListPath, inittab, osRelease,
  passwdFile, powerButtonScript, profileScript, rcScript, rcShutdownScript, udhcpcScript,
} from './guest-scripts.ts';

/** A kernel module file, path relative to /lib/modules/<version>. */
export interface GuestModuleFile { path: string; data: Uint8Array }

export interface ModuleSet {
  kernelVersion: string;
  /** In load order (dependencies first). */
  modules: readonly GuestModuleFile[];
  /** A modules.dep listing exactly these modules. */
  modulesDep: string;
}

/**
 * The userland: static busybox with one relative symlink per applet, init
 * configuration and the Kumo scripts. `applets` is `busybox --list-full`
 * output (`bin/sh`, `usr/sbin/udhcpd`, ...).
 */
export function userlandTree(busybox: Uint8Array, applets: readonly string[]): TreeEntry[] {
  const links = new Set(applets.map((a) => a.trim()).filter((a) => a.includes('/') && a !== 'bin/busybox'));
  links.add('sbin/init');
  links.add('bin/sh');
  return [
    executable('bin/busybox', busybox),
    ...[...links].map((a) => symlink(a, relativeTarget(a, 'bin/busybox'))),
    dir('dev'), dir('proc', 0o555), dir('sys', 0o555), dir('run'), dir('tmp', 0o1777), dir('mnt'),
    dir('root', 0o700), dir('www'), dir('var/log'), symlink('var/run', '../run'),
    file('etc/inittab', inittab),
    executable('etc/init.d/rcS', rcScript),
    executable('etc/init.d/rcK', rcShutdownScript),
    executable('etc/udhcpc/default.script', udhcpcScript),
    executable('etc/acpi/PWRF/00000080', powerButtonScript),
    executable('usr/libexec/kumo/fetch-instance-id', fetchInstanceIdScript),
    executable('usr/libexec/kumo/config-drive', configDriveScript),
    file('etc/profile', profileScript),
    file('etc/os-release', osRelease),
    file('etc/passwd', passwdFile),
    file('etc/group', groupFile),
    file('etc/hostname', 'kumo-tiny\n'),
  ];
}

function moduleEntries(set: ModuleSet): TreeEntry[] {
  const base = `lib/modules/${set.kernelVersion}`;
  return [
    ...set.modules.map((m) => file(`${base}/${m.path}`, m.data)),
    file(`${base}/modules.dep`, set.modulesDep),
  ];
}

/** The initramfs: userland + /init, /dev/console and the boot drivers. */
export function initramfsTree(userland: readonly TreeEntry[], drivers: ModuleSet): TreeEntry[] {
  const loadList = drivers.modules.map((m) => `/lib/modules/${drivers.kernelVersion}/${m.path}\n`).join('');
  return [
    ...userland,
    executable('init', initScript),
    dir('newroot'),
    chardev('dev/console', 5, 1, 0o600),
    chardev('dev/null', 1, 3, 0o666),
    ...moduleEntries(drivers),
    file(initrdModuleListPath, loadList),
  ];
}

/** The root disk: userland + extra modules for `modprobe` after switch_root. */
export function rootDiskTree(userland: readonly TreeEntry[], modules: ModuleSet): TreeEntry[] {
  return [...userland, ...moduleEntries(modules)];
}
