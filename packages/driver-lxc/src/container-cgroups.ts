/**
 * LXC makes lxc.monitor.<name> and lxc.payload.<name> in every cgroup hierarchy and removes them
 * when the container stops, except after a start that aborts (its monitor's group stays). The
 * driver removes what is left of a container's groups after a failed start and at destroy.
 */
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The container's groups under each hierarchy of cgroupRoot (v1: one per controller; v2: the root itself). */
async function leftovers(cgroupRoot: string, name: string): Promise<string[]> {
  const mine = (g: string): boolean => g === `lxc.monitor.${name}` || g === `lxc.payload.${name}`;
  const out: string[] = [];
  const roots = [cgroupRoot, ...(await readdir(cgroupRoot).catch(() => [] as string[])).map((c) => join(cgroupRoot, c))];
  for (const r of roots) {
    for (const g of await readdir(r).catch(() => [] as string[])) if (mine(g)) out.push(join(r, g));
  }
  return out;
}

/** rmdir, children first (a group with processes stays: EBUSY, retried while its processes exit). */
async function removeTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) await removeTree(join(dir, e.name));
  await rmdir(dir);
}

export async function removeContainerCgroups(cgroupRoot: string, name: string, sleep: (ms: number) => Promise<void>): Promise<string[]> {
  let left: string[] = [];
  for (let attempt = 0; attempt < 40; attempt++) {
    left = [];
    for (const g of await leftovers(cgroupRoot, name)) {
      try {
        await removeTree(g);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') left.push(g);
      }
    }
    if (left.length === 0) return [];
    await sleep(50);
  }
  return left;
}
