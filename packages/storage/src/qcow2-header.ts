/**
 * Reads what the pool needs from a qcow2 header without spawning qemu-img: the virtual size
 * and the backing file name (for the garbage collector and idempotency checks).
 */
import { open } from 'node:fs/promises';

export const qcow2Magic = 0x514649fb; // "QFI\xfb"

export interface Qcow2Header {
  version: number;
  virtualSize: number;
  backingFileOffset: number;
  backingFileSize: number;
  /** qcow2 v3 incompatible feature bit 2: guest data lives in an external file. */
  externalDataFile: boolean;
}

/** Parses the fixed part of a qcow2 header (pure); null when `buf` does not start with the magic. */
export function parseQcow2Header(buf: Uint8Array): Qcow2Header | null {
  if (buf.length < 72) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(0) !== qcow2Magic) return null;
  const version = view.getUint32(4);
  const incompatible = version >= 3 && buf.length >= 80 ? view.getBigUint64(72) : 0n;
  return {
    version,
    backingFileOffset: Number(view.getBigUint64(8)),
    backingFileSize: view.getUint32(16),
    virtualSize: Number(view.getBigUint64(24)),
    externalDataFile: (incompatible & 4n) !== 0n,
  };
}

export interface DiskFileInfo {
  format: 'qcow2' | 'raw';
  virtualSize: number;
  backingFile: string | null;
}

/** Format, virtual size and backing file of a disk file this pool made (qcow2 or raw). */
export async function readDiskFileInfo(path: string): Promise<DiskFileInfo> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(104);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const header = parseQcow2Header(head.subarray(0, bytesRead));
    if (!header) return { format: 'raw', virtualSize: (await fh.stat()).size, backingFile: null };
    let backingFile: string | null = null;
    if (header.backingFileOffset > 0 && header.backingFileSize > 0 && header.backingFileSize <= 1023) {
      const name = new Uint8Array(header.backingFileSize);
      await fh.read(name, 0, name.length, header.backingFileOffset);
      backingFile = new TextDecoder().decode(name);
    }
    return { format: 'qcow2', virtualSize: header.virtualSize, backingFile };
  } finally {
    await fh.close();
  }
}
