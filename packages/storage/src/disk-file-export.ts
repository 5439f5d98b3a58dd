/**
 * Copy a disk (a file, or anything qemu-img opens, like `rbd:pool/image@snap:...`) to a
 * standalone file: qcow2 without backing file and without zero clusters ("compacted"), or raw.
 * Written to `<target>.partial`, fsynced (unless target.durable is false) and renamed, so the
 * target is complete or absent; a failure or cancel removes the partial file. qemu-img itself
 * writes with cache=unsafe (no flush), which is why the fsync is the caller's choice.
 */
import { rename, stat } from 'node:fs/promises';
import { fsyncFile, renameDurable, unlinkIfExists } from './durable-fs.ts';
import { convertWithProgress } from './qemu-img-convert.ts';
import type { ExportTarget, PoolWorkContext } from './storage-pool.ts';

export interface ExportSource {
  /** What qemu-img opens (a path or an rbd: URI). */
  spec: string;
  format: 'qcow2' | 'raw';
  virtualSize: number;
}

export async function exportDisk(src: ExportSource, target: ExportTarget, ctx: PoolWorkContext = {}, qemuImg?: string): Promise<{ bytes: number }> {
  const partial = `${target.path}.partial`;
  await unlinkIfExists(partial);
  try {
    await convertWithProgress(['-f', src.format, '-O', target.format, src.spec, partial], {
      totalBytes: src.virtualSize, signal: ctx.signal, onProgress: ctx.onProgress, ...(qemuImg ? { qemuImg } : {}),
    });
    if (target.durable ?? true) {
      await fsyncFile(partial);
      await renameDurable(partial, target.path);
    } else {
      await rename(partial, target.path);
    }
  } catch (err) {
    await unlinkIfExists(partial);
    throw err;
  }
  ctx.onProgress?.({ bytesDone: src.virtualSize, bytesTotal: src.virtualSize });
  return { bytes: (await stat(target.path)).size };
}
