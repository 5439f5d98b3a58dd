/** Walks the members of a tar file on disk without loading it (I/O around ustar-format). */
import type { FileHandle } from 'node:fs/promises';
import { decodeUstarHeader, parsePaxRecords, ustarBlockSize, ustarPaddingFor } from './ustar-format.ts';

export interface UstarMember {
  /** As stored, after pax `path` overrides. */
  name: string;
  type: 'file' | 'directory';
  size: number;
  mode: number;
  /** Where the member's bytes start in the file. */
  dataOffset: number;
}

async function readExactly(fh: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

const maxPaxHeaderBytes = 64 * 1024;

/**
 * Yields the file and directory members of the tar in `fh` (of `fileSize` bytes). pax headers
 * (as GNU tar --format=posix writes) are applied; links, devices and the like are refused.
 */
export async function* readUstarMembers(fh: FileHandle, fileSize: number): AsyncGenerator<UstarMember> {
  let at = 0;
  let pax = new Map<string, string>();
  while (at + ustarBlockSize <= fileSize) {
    const header = decodeUstarHeader(await readExactly(fh, at, ustarBlockSize));
    if (header === null) return;
    const dataOffset = at + ustarBlockSize;
    let size = header.size;
    if (header.type !== 'pax-header' && header.type !== 'pax-global' && pax.has('size')) size = Number(pax.get('size'));
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`tar member ${JSON.stringify(header.name)} has an invalid size`);
    if (dataOffset + size > fileSize) throw new Error(`tar archive truncated in member ${JSON.stringify(header.name)}`);
    at = dataOffset + size + ustarPaddingFor(size);
    switch (header.type) {
      case 'pax-header':
        if (size > maxPaxHeaderBytes) throw new Error('tar pax header too large');
        pax = parsePaxRecords(await readExactly(fh, dataOffset, size));
        continue;
      case 'pax-global':
        continue;
      case 'file':
      case 'directory': {
        const name = pax.get('path') ?? header.name;
        pax = new Map();
        yield { name, type: header.type, size, mode: header.mode, dataOffset };
        continue;
      }
      case 'other':
        throw new Error(`tar member ${JSON.stringify(header.name)} has unsupported type ${header.typeflag}`);
    }
  }
  if (at < fileSize) throw new Error('tar archive truncated in a header');
}
