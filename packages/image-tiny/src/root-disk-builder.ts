/**
 * The root disk: an ext4 file system made from a guest tree with mkfs.ext4 -d,
 * converted to a sparse qcow2 (the base image for linked clones).
 */
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TreeEntry } from './guest-tree.ts';
import { writeTreeToDirectory } from './guest-tree-writer.ts';
import { runCommand } from './run-command.ts';

export interface RootDiskBuild {
  tree: readonly TreeEntry[];
  sizeMiB: number;
  /** File system UUID (also the directory hash seed, so rebuilds differ less). */
  uuid: string;
  mke2fs: string;
  qemuImg: string;
  /** Scratch directory, removed afterwards by the caller. */
  workDir: string;
  output: string;
}

export const rootDiskLabel = 'kumo-root';

export async function buildRootDisk(b: RootDiskBuild): Promise<void> {
  const treeDir = join(b.workDir, 'rootfs-tree');
  const raw = join(b.workDir, 'rootfs.raw');
  await mkdir(b.workDir, { recursive: true });
  await writeTreeToDirectory(b.tree, treeDir);
  const handle = await open(raw, 'w');
  await handle.truncate(b.sizeMiB * 1024 * 1024);
  await handle.close();
  // lazy_itable_init=0: zero the inode tables now (they stay sparse in the qcow2)
  // instead of letting every guest's ext4lazyinit write them into its overlay.
  await runCommand(b.mke2fs, [
    '-t', 'ext4', '-q', '-F', '-L', rootDiskLabel, '-U', b.uuid, '-m', '0',
    '-E', `hash_seed=${b.uuid},root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0,nodiscard`,
    '-d', treeDir, raw,
  ]);
  await runCommand(b.qemuImg, ['convert', '-f', 'raw', '-O', 'qcow2', raw, b.output]);
  await rm(treeDir, { recursive: true, force: true });
  await rm(raw, { force: true });
}
