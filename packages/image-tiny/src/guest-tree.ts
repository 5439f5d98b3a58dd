/**
 * A guest file tree described in memory (pure, no I/O). The same description is
 * written as a cpio archive (initramfs) and materialised into a directory for
 * mkfs.ext4 -d (root disk), so both stages carry byte-identical userland files.
 */

export type TreeEntry =
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'file'; path: string; mode: number; data: Uint8Array }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; mode: number; major: number; minor: number };

const encoder = new TextEncoder();

export function dir(path: string, mode = 0o755): TreeEntry {
  return { kind: 'dir', path: cleanPath(path), mode };
}

export function file(path: string, data: Uint8Array | string, mode = 0o644): TreeEntry {
  return { kind: 'file', path: cleanPath(path), mode, data: typeof data === 'string' ? encoder.encode(data) : data };
}

export function executable(path: string, data: Uint8Array | string): TreeEntry {
  return file(path, data, 0o755);
}

export function symlink(path: string, target: string): TreeEntry {
  return { kind: 'symlink', path: cleanPath(path), target };
}

export function chardev(path: string, major: number, minor: number, mode = 0o600): TreeEntry {
  return { kind: 'chardev', path: cleanPath(path), mode, major, minor };
}

/** `/bin/sh` and `bin/sh/` → `bin/sh`; rejects `..` and empty paths. */
export function cleanPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new Error(`empty guest path: ${JSON.stringify(path)}`);
  if (parts.includes('..')) throw new Error(`guest path must not contain '..': ${path}`);
  return parts.join('/');
}

/** Relative symlink target from `linkPath` to `targetPath` (both relative to the guest root). */
export function relativeTarget(linkPath: string, targetPath: string): string {
  const from = cleanPath(linkPath).split('/').slice(0, -1);
  const to = cleanPath(targetPath).split('/');
  let common = 0;
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
  return [...from.slice(common).map(() => '..'), ...to.slice(common)].join('/');
}

/**
 * Adds missing parent directories, rejects conflicting duplicates (a later entry
 * with the same path replaces an earlier one of the same kind), and sorts so that
 * every directory precedes its contents (the kernel's cpio unpacker needs that).
 */
export function normalizeTree(entries: readonly TreeEntry[]): TreeEntry[] {
  const byPath = new Map<string, TreeEntry>();
  for (const e of entries) {
    const prev = byPath.get(e.path);
    if (prev && prev.kind !== e.kind) throw new Error(`guest path ${e.path} is both a ${prev.kind} and a ${e.kind}`);
    byPath.set(e.path, e);
  }
  for (const e of [...byPath.values()]) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = byPath.get(parent);
      if (!existing) byPath.set(parent, dir(parent));
      else if (existing.kind !== 'dir') throw new Error(`guest path ${parent} must be a directory (parent of ${e.path})`);
    }
  }
  // A string sorts before every string it is a prefix of, so parents come first.
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
