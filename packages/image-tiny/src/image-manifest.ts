/**
 * manifest.json of a tiny image build and the cache decision (pure, no I/O).
 * A build is reused only when its inputs key matches and every file still has
 * the size and sha256 the manifest recorded.
 */
import { createHash } from 'node:crypto';

/** Bump when the layout of outDir or the manifest changes. */
export const tinyImageFormat = 1;

/**
 * `pvh-elf`: the uncompressed vmlinux, booted through its PVH entry point;
 * `bzimage`: the Debian vmlinuz as is (kernels without CONFIG_PVH).
 */
export type KernelFormat = 'pvh-elf' | 'bzimage';

export const kernelFileNames: Readonly<Record<KernelFormat, string>> = { 'pvh-elf': 'vmlinux', bzimage: 'vmlinuz' };

export const tinyImageFileNames = {
  initrd: 'initrd.img',
  rootDisk: 'rootfs.qcow2',
} as const;

export type TinyImageFileRole = 'kernel' | 'initrd' | 'rootDisk';

/** The file name a role has in outDir. */
export function fileNameOf(role: TinyImageFileRole, kernelFormat: KernelFormat): string {
  return role === 'kernel' ? kernelFileNames[kernelFormat] : tinyImageFileNames[role];
}
export const tinyImageFileRoles: readonly TinyImageFileRole[] = ['kernel', 'initrd', 'rootDisk'];

/** Everything the output depends on. */
export interface TinyImageInputs {
  kernelVersion: string;
  kernelSha256: string;
  busyboxSha256: string;
  /** sha256 of the selected module files and their paths. */
  modulesSha256: string;
  initrdModules: string[];
  rootDiskModules: string[];
  /** sha256 of the guest scripts and of the builder's own source. */
  builderSha256: string;
  rootDiskMiB: number;
  cmdline: string;
}

export interface TinyImageFileRecord { name: string; size: number; sha256: string }

export interface TinyImageManifest {
  format: number;
  inputsKey: string;
  inputs: TinyImageInputs;
  kernelFormat: KernelFormat;
  cmdline: string;
  files: Record<TinyImageFileRole, TinyImageFileRecord>;
  builtAt: string;
  buildMs: number;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A stable key for the inputs (independent of property order). */
export function computeInputsKey(inputs: TinyImageInputs): string {
  return sha256Hex(canonicalJson({ format: tinyImageFormat, inputs }));
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isHex64 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/** The manifest if the text is a well-formed manifest of this format, else null. */
export function parseManifest(text: string): TinyImageManifest | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(raw) || raw['format'] !== tinyImageFormat || !isHex64(raw['inputsKey'])) return null;
  if (!isRecord(raw['inputs']) || typeof raw['cmdline'] !== 'string' || !isRecord(raw['files'])) return null;
  const kernelFormat = raw['kernelFormat'];
  if (kernelFormat !== 'pvh-elf' && kernelFormat !== 'bzimage') return null;
  const files = raw['files'];
  for (const role of tinyImageFileRoles) {
    const f = files[role];
    if (!isRecord(f) || f['name'] !== fileNameOf(role, kernelFormat) || typeof f['size'] !== 'number' || !isHex64(f['sha256'])) return null;
  }
  return raw as unknown as TinyImageManifest;
}

export interface ObservedFile { size: number; sha256: string }

export type CacheVerdict = { reuse: true } | { reuse: false; reason: string };

/**
 * Whether the build described by `manifest` can be reused for `inputsKey`, given
 * what is on disk now (`null` for a missing file).
 */
export function judgeCachedBuild(
  manifest: TinyImageManifest | null,
  inputsKey: string,
  observed: Readonly<Record<TinyImageFileRole, ObservedFile | null>>,
): CacheVerdict {
  if (!manifest) return { reuse: false, reason: 'no valid manifest.json' };
  if (manifest.inputsKey !== inputsKey) return { reuse: false, reason: 'inputs changed' };
  for (const role of tinyImageFileRoles) {
    const want = manifest.files[role];
    const got = observed[role];
    if (!got) return { reuse: false, reason: `${want.name} is missing` };
    if (got.size !== want.size || got.sha256 !== want.sha256) return { reuse: false, reason: `${want.name} does not match the manifest` };
  }
  return { reuse: true };
}
