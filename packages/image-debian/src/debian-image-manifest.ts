/**
 * manifest.json of a Debian image build and its inputs key (pure). A build directory is complete
 * when its manifest parses and names the inputs key the directory is named after.
 */
import { createHash } from 'node:crypto';

/** Bump when the layout of a build directory or the manifest changes. */
export const debianImageFormat = 1;

/** Everything the build depends on. Package versions are whatever the mirror has at build time. */
export interface DebianImageInputs {
  suite: string;
  mirror: string;
  packages: readonly string[];
  rootDiskMiB: number;
  cmdline: string;
  /** sha256 of the builder's own source (guest files, spec, steps). */
  builderSha256: string;
}

export interface DebianImageFile { name: string; size: number; sha256: string }

export interface DebianImageManifest {
  format: number;
  inputsKey: string;
  inputs: DebianImageInputs;
  kernelVersion: string;
  /** 'pvh-elf' (vmlinux, booted through its PVH entry) or 'bzimage' (vmlinuz as shipped). */
  kernelFormat: 'pvh-elf' | 'bzimage';
  cmdline: string;
  files: { kernel: DebianImageFile; initrd: DebianImageFile; rootDisk: DebianImageFile; rootfsTar: DebianImageFile };
  builtAt: string;
  buildMs: number;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A stable hex key of the inputs (independent of property order). */
export function debianInputsKey(inputs: DebianImageInputs): string {
  return createHash('sha256').update(canonicalJson({ format: debianImageFormat, inputs })).digest('hex');
}

const roles = ['kernel', 'initrd', 'rootDisk', 'rootfsTar'] as const;

/** The manifest if `text` is a complete manifest for `inputsKey`, else null. */
export function parseDebianManifest(text: string, inputsKey: string): DebianImageManifest | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (raw === null || typeof raw !== 'object') return null;
  const m = raw as Partial<DebianImageManifest>;
  if (m.format !== debianImageFormat || m.inputsKey !== inputsKey || typeof m.cmdline !== 'string' || typeof m.kernelVersion !== 'string') return null;
  if (m.kernelFormat !== 'pvh-elf' && m.kernelFormat !== 'bzimage') return null;
  const files = m.files as Record<string, Partial<DebianImageFile>> | undefined;
  if (!files) return null;
  for (const role of roles) {
    const f = files[role];
    if (!f || typeof f.name !== 'string' || f.name.includes('/') || typeof f.size !== 'number' || typeof f.sha256 !== 'string') return null;
  }
  return m as DebianImageManifest;
}
