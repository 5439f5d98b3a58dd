/**
 * Finds the Debian guest kernel: /boot/vmlinuz-<version> with its modules in
 * /lib/modules/<version> (package linux-image-amd64). The host may run another
 * kernel entirely; only the files matter.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface GuestKernel {
  version: string;
  /** Absolute path of the bzImage. */
  vmlinuz: string;
  /** /lib/modules/<version>, holding modules.dep. */
  modulesDir: string;
}

export interface GuestKernelSearch {
  bootDir?: string;
  modulesRoot?: string;
}

/** Orders `6.1.0-9-amd64` before `6.1.0-56-amd64` (numeric runs compare as numbers). */
export function compareKernelVersions(a: string, b: string): number {
  const split = (v: string): string[] => v.match(/\d+|\D+/g) ?? [];
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The newest kernel that has both its bzImage and its modules.dep, or null. */
export function findGuestKernel(search: GuestKernelSearch = {}): GuestKernel | null {
  const bootDir = search.bootDir ?? '/boot';
  const modulesRoot = search.modulesRoot ?? '/lib/modules';
  let names: string[];
  try {
    names = readdirSync(bootDir);
  } catch {
    return null;
  }
  const candidates = names
    .filter((n) => n.startsWith('vmlinuz-'))
    .map((n) => n.slice('vmlinuz-'.length))
    .filter((v) => v !== '' && existsSync(join(modulesRoot, v, 'modules.dep')))
    .sort(compareKernelVersions);
  const version = candidates.at(-1);
  if (version === undefined) return null;
  return { version, vmlinuz: join(bootDir, `vmlinuz-${version}`), modulesDir: join(modulesRoot, version) };
}
