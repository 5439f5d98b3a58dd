/** Writes bytes to a file, leaving all-zero blocks as holes (a vmlinux is mostly zeros). */
import { open } from 'node:fs/promises';

export async function writeSparseFile(path: string, data: Uint8Array, blockSize = 64 * 1024): Promise<void> {
  const zeros = Buffer.alloc(blockSize);
  const handle = await open(path, 'w');
  try {
    for (let at = 0; at < data.length; at += blockSize) {
      const block = data.subarray(at, Math.min(at + blockSize, data.length));
      if (!zeros.subarray(0, block.length).equals(block)) await handle.write(block, 0, block.length, at);
    }
    await handle.truncate(data.length);
  } finally {
    await handle.close();
  }
}
