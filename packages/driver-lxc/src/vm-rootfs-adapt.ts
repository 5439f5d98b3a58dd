/**
 * What a VM's root file system needs to boot as a container (run on the extracted tree, as root):
 *  - fstab: every entry is commented out (LXC gives the container its root; the VM's block devices,
 *    swap and /boot do not exist in it).
 *  - console: getty/shell lines of /etc/inittab on ttyS0, hvc0 or tty1 move to `console` (LXC's
 *    console); sysinit commands run with SIGHUP ignored (a container's /dev/console is a pty that
 *    becomes their controlling tty, and its hangup when they exit would kill what they started).
 *    systemd needs nothing: in a container it starts console-getty itself and skips serial gettys.
 *  - kernel modules: /lib/modules and /usr/lib/modules are removed (the container runs the host's
 *    kernel); lost+found goes too.
 *  - network: the VM's interface names (enp0sN, ensN, from the NIC's PCI slot) become the
 *    container's (ethI) in ifupdown, systemd-networkd and netplan files.
 */
import { readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface AdaptNic {
  /** The NIC's PCI slot in the VM (enp0s<slot> in the guest). */
  pciSlot: number;
  /** Its index in the container (eth<index>). */
  index: number;
}

export interface AdaptReport {
  changed: string[];
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/**
 * The path, if it resolves inside root. The tree is the guest's: an absolute symlink in it (say
 * etc -> /etc) would otherwise make the host's files the ones read, rewritten or removed.
 */
async function inside(root: string, path: string): Promise<string | undefined> {
  const realRoot = await realpath(root);
  const real = await realpath(path).catch(async () => join(await realpath(dirname(path)).catch(() => '/'), path.slice(dirname(path).length + 1)));
  return real === realRoot || real.startsWith(`${realRoot}/`) ? real : undefined;
}

/** fstab with every entry commented out. */
export function containerFstab(fstab: string): string {
  const lines = fstab.split('\n').map((l) => (l.trim() === '' || l.trimStart().startsWith('#') ? l : `#kumo-container# ${l}`));
  return `# Converted to a container by Kumo: LXC mounts the root; the VM's entries are kept below, commented out.\n${lines.join('\n')}`;
}

const VM_CONSOLES = /\b(ttyS0|hvc0|tty1)\b/;

/** inittab with the VM's console lines on LXC's console and sysinit commands immune to the console's hangup. */
export function containerInittab(inittab: string): string {
  return inittab.split('\n').map((line) => {
    if (line.trimStart().startsWith('#')) return line;
    const f = line.split(':');
    if (f.length < 4) return line;
    const [id, runlevels, action] = f as [string, string, string];
    const command = f.slice(3).join(':');
    if (action === 'sysinit' && !command.includes('trap')) return `${id}:${runlevels}:${action}:/bin/sh -c 'trap "" HUP; exec ${command.replace(/'/g, '')}'`;
    if (action !== 'respawn' && action !== 'askfirst' && action !== 'once') return line;
    // busybox: "ttyS0::respawn:-/bin/sh" (the id is the tty); sysvinit: "T0:23:respawn:/sbin/getty -L ttyS0 115200 vt100".
    if (VM_CONSOLES.test(id) && runlevels === '') return ['console', runlevels, action, command].join(':');
    if (VM_CONSOLES.test(command)) return [id, runlevels, action, command.replace(VM_CONSOLES, 'console')].join(':');
    return line;
  }).join('\n');
}

/** The VM's interface names of each NIC replaced by the container's. */
export function renameInterfaces(text: string, nics: readonly AdaptNic[]): string {
  let out = text;
  for (const n of nics) {
    out = out.replace(new RegExp(`\\b(enp0s${n.pciSlot}|ens${n.pciSlot})\\b`, 'g'), `eth${n.index}`);
  }
  return out;
}

async function filesIn(root: string, dir: string): Promise<string[]> {
  const real = await inside(root, dir);
  return real === undefined ? [] : (await readdir(real).catch(() => [] as string[])).map((n) => join(dir, n));
}

export async function adaptVmRootfs(root: string, nics: readonly AdaptNic[]): Promise<AdaptReport> {
  const changed: string[] = [];
  const rewrite = async (guestPath: string, fn: (s: string) => string): Promise<void> => {
    const path = await inside(root, guestPath);
    if (path === undefined) return;
    const before = await readText(path);
    if (before === undefined) return;
    const after = fn(before);
    if (after !== before) {
      await writeFile(path, after);
      changed.push(guestPath.slice(root.length) || '/');
    }
  };
  await rewrite(join(root, 'etc/fstab'), containerFstab);
  await rewrite(join(root, 'etc/inittab'), containerInittab);
  const netFiles = [
    join(root, 'etc/network/interfaces'),
    ...(await filesIn(root, join(root, 'etc/network/interfaces.d'))),
    ...(await filesIn(root, join(root, 'etc/systemd/network'))).filter((f) => f.endsWith('.network') || f.endsWith('.link')),
    ...(await filesIn(root, join(root, 'etc/netplan'))).filter((f) => f.endsWith('.yaml')),
  ];
  for (const f of netFiles) await rewrite(f, (s) => renameInterfaces(s, nics));
  for (const d of ['lib/modules', 'usr/lib/modules', 'lost+found']) {
    const path = await inside(root, join(root, d));
    if (path === undefined || (await readdir(path).catch(() => undefined)) === undefined) continue;
    await rm(path, { recursive: true, force: true });
    changed.push(`/${d}`);
  }
  return { changed };
}
