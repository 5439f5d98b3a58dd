/** What the real-LXC tests share: a work directory, the tiny-ct base, and the host's residue of a run. */
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { InstanceSpec } from '@kumo/core';
import { buildTinyRootfsTar } from '@kumo/image-tiny/container';
import { defaultIdMap } from '../lxc-driver.ts';
import { ensureRootfsBase } from '../rootfs-base.ts';

/** The tiny container root file system, unpacked once for the default id map. */
export async function tinyCtBase(work: string): Promise<string> {
  const tarball = join(work, 'tiny-ct.tar.gz');
  await buildTinyRootfsTar(tarball);
  return ensureRootfsBase({ tarball, baseDir: join(work, 'bases'), key: 'tiny-ct', idmap: defaultIdMap });
}

export function tinyCtSpec(instanceId: string, name: string, base: string): InstanceSpec {
  return { instanceId, name, vcpus: 1, memoryMiB: 64, root: { kind: 'rootfs', path: base }, disks: [], nics: [], boot: {}, stopTimeoutSec: 10 };
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    // the guest's own writes (overlay upper and work) change as it runs: only the dirs count
    return (await readdir(dir, { recursive: true })).map((f) => relative(dir, join(dir, f))).filter((f) => !/\/delta\/(upper|work)\//.test(f)).map((f) => `file:${f}`);
  } catch {
    return [];
  }
}

/**
 * Everything on the host that belongs to containers named with `prefix` in `lxcPath`: their files,
 * LXC monitors and console relays, cgroups (every v1 controller and v2), host-side veths, mounts.
 */
export async function lxcResidue(lxcPath: string, prefix: string, vethPrefix: string): Promise<string[]> {
  const out = await filesUnder(lxcPath);
  const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  for (const l of ps.split('\n')) if (l.includes(lxcPath)) out.push(`proc:${l.trim()}`);
  for (const ctrl of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    for (const g of await readdir(join('/sys/fs/cgroup', ctrl)).catch(() => [] as string[])) {
      if (g.includes(prefix)) out.push(`cgroup:${ctrl}/${g}`);
    }
  }
  for (const l of (await readdir('/sys/class/net')).filter((n) => n.startsWith(vethPrefix))) out.push(`link:${l}`);
  for (const l of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')) if (l.includes(lxcPath)) out.push(`mount:${l}`);
  return out.sort();
}
