/**
 * Writes a guest tree into a host directory (for mkfs.ext4 -d). Device nodes are
 * skipped: the guest's /dev is a devtmpfs.
 */
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeTree, type TreeEntry } from './guest-tree.ts';

export async function writeTreeToDirectory(entries: readonly TreeEntry[], root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  const dirs: { path: string; mode: number }[] = [];
  for (const e of normalizeTree(entries)) {
    const target = join(root, e.path);
    switch (e.kind) {
      case 'dir':
        await mkdir(target, { recursive: true });
        dirs.push({ path: target, mode: e.mode });
        break;
      case 'file':
        await writeFile(target, e.data);
        await chmod(target, e.mode);
        break;
      case 'symlink':
        await symlink(e.target, target);
        break;
      case 'chardev':
        break;
    }
  }
  // Directory modes last, so a read-only directory does not block its own contents.
  for (const d of dirs.reverse()) await chmod(d.path, d.mode);
}
