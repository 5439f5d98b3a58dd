/**
 * The container's directory in Kumo's LXC path: made before lxc-start (config, overlay upper and
 * work owned by the container's root, NoCloud seed), removed by destroy or by a failed first start.
 */
import { chmod, chown, lstat, mkdir, readlink, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ConfigDriveSpec } from '@kumo/core';
import { busyboxInitSignals, standardInitSignals, systemdInitSignals, type IdMap, type InitSignals } from './lxc-config.ts';
import type { ContainerPaths } from './lxc-layout.ts';

export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes the container's files; returns whether its directory is new (a failed start then removes it). */
export async function prepareContainerDir(paths: ContainerPaths, config: string, idmap: IdMap | null, seed: ConfigDriveSpec | undefined): Promise<boolean> {
  const created = !(await exists(paths.dir));
  // The container's root (a mapped id) must traverse the LXC path to reach its overlay dirs.
  await mkdir(dirname(paths.dir), { recursive: true });
  await chmod(dirname(paths.dir), 0o711);
  await mkdir(paths.dir, { recursive: true, mode: 0o755 });
  for (const d of [paths.delta, paths.upper, paths.work]) {
    await mkdir(d, { recursive: true, mode: 0o755 });
    if (idmap) await chown(d, idmap.hostUid, idmap.hostGid);
  }
  await writeFile(paths.config, config);
  await writeFile(paths.lxcLog, ''); // start errors are read from it: only this start's
  await rm(paths.seed, { recursive: true, force: true });
  if (seed) {
    await mkdir(paths.seed, { mode: 0o755 });
    await writeFile(join(paths.seed, 'meta-data'), seed.metaData);
    await writeFile(join(paths.seed, 'user-data'), seed.userData);
    if (seed.networkConfig !== undefined) await writeFile(join(paths.seed, 'network-config'), seed.networkConfig);
  }
  return created;
}

export async function removeContainerDir(paths: ContainerPaths): Promise<void> {
  await rm(paths.dir, { recursive: true, force: true });
}

/**
 * The init's signals from what the root file system's /sbin/init is: busybox, systemd (a Debian
 * root, or a converted VM's), else sysvinit's (LXC's defaults). Read inside the root only: a guest's
 * /sbin (a symlink to usr/sbin on merged-/usr systems) is resolved against the root, never the host.
 */
export async function initSignalsOf(rootfs: string): Promise<InitSignals> {
  let path = 'sbin/init';
  for (let hops = 0; hops < 8; hops++) {
    let target: string;
    try {
      target = await readlink(join(rootfs, path));
    } catch {
      const dir = path.split('/')[0] ?? '';
      const dirTarget = await readlink(join(rootfs, dir)).catch(() => undefined);
      if (dirTarget === undefined || dir === path) return standardInitSignals;
      path = join(dirTarget.replace(/^\/+/, ''), path.slice(dir.length + 1)); // /sbin -> usr/sbin
      continue;
    }
    if (/busybox$/.test(target)) return busyboxInitSignals;
    if (/systemd$/.test(target)) return systemdInitSignals;
    path = target.startsWith('/') ? target.slice(1) : join(dirname(path), target);
  }
  return standardInitSignals;
}
