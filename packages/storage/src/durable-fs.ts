/** Small file-system helpers for crash-safe writes: fsync files and the directories that name them. */
import { open, rename, rm, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync a directory so a rename or unlink in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

/** fsync a file someone else wrote (e.g. qemu-img's output). A read-only descriptor is enough on Linux. */
export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

/** rename + fsync of the target directory. */
export async function renameDurable(from: string, to: string): Promise<void> {
  await rename(from, to);
  await fsyncDir(dirname(to));
}

/** Write a small file atomically: `<path>.partial`, fsync, rename, fsync dir. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.partial`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await renameDurable(tmp, path);
}

/** Remove a file if it exists; a missing file is fine. */
export async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Remove a file or directory tree if it exists. */
export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
