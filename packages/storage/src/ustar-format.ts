/**
 * The POSIX ustar tar header, pure (no I/O): encode one 512-byte header, decode one, and
 * parse pax extended records. Enough for kernel bundles; written here rather than taken
 * from npm to keep the agent free of extra dependencies.
 *
 * Numbers that do not fit the octal field (sizes of 8 GiB and more) use the base-256
 * encoding GNU tar and every modern reader accept.
 */

export const ustarBlockSize = 512;

export type UstarType = 'file' | 'directory' | 'pax-header' | 'pax-global' | 'other';

export interface UstarHeader {
  name: string;
  size: number;
  mode: number;
  mtime: number;
  type: UstarType;
  /** The raw typeflag character, for error messages. */
  typeflag: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

function writeString(block: Uint8Array, offset: number, length: number, value: string, field: string): void {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new Error(`ustar ${field} too long: ${JSON.stringify(value)}`);
  block.set(bytes, offset);
}

function writeNumber(block: Uint8Array, offset: number, length: number, value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`ustar ${field} out of range: ${value}`);
  const octal = value.toString(8);
  if (octal.length <= length - 1) {
    writeString(block, offset, length, `${octal.padStart(length - 1, '0')}\0`, field);
    return;
  }
  // base-256: high bit of the first byte set, then the value big-endian
  let v = BigInt(value);
  for (let i = offset + length - 1; i > offset; i--) {
    block[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  block[offset] = 0x80;
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

function readNumber(block: Uint8Array, offset: number, length: number, field: string): number {
  const first = block[offset] ?? 0;
  if (first & 0x80) {
    if (first !== 0x80) throw new Error(`ustar ${field}: negative or oversized base-256 number`);
    let v = 0n;
    for (let i = offset + 1; i < offset + length; i++) v = (v << 8n) | BigInt(block[i] ?? 0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`ustar ${field} too large`);
    return Number(v);
  }
  const text = readString(block, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`ustar ${field} is not octal: ${JSON.stringify(text)}`);
  return Number.parseInt(text, 8);
}

function checksums(block: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < ustarBlockSize; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return { unsigned, signed };
}

/** One header block for a regular file (uid/gid 0, owner root). */
export function encodeUstarHeader(entry: { name: string; size: number; mode?: number; mtime?: number }): Uint8Array {
  const block = new Uint8Array(ustarBlockSize);
  writeString(block, 0, 100, entry.name, 'name');
  writeNumber(block, 100, 8, entry.mode ?? 0o644, 'mode');
  writeNumber(block, 108, 8, 0, 'uid');
  writeNumber(block, 116, 8, 0, 'gid');
  writeNumber(block, 124, 12, entry.size, 'size');
  writeNumber(block, 136, 12, entry.mtime ?? 0, 'mtime');
  block[156] = 0x30; // '0': regular file
  writeString(block, 257, 6, 'ustar\0', 'magic');
  writeString(block, 263, 2, '00', 'version');
  writeString(block, 265, 32, 'root', 'uname');
  writeString(block, 297, 32, 'root', 'gname');
  writeString(block, 148, 8, `${checksums(block).unsigned.toString(8).padStart(6, '0')}\0 `, 'checksum');
  return block;
}

/** Zero bytes that pad a member of `size` bytes to the block size. */
export function ustarPaddingFor(size: number): number {
  return (ustarBlockSize - (size % ustarBlockSize)) % ustarBlockSize;
}

/** The end-of-archive marker: two zero blocks. */
export function ustarEndOfArchive(): Uint8Array {
  return new Uint8Array(2 * ustarBlockSize);
}

/** Decodes one header block; null for a zero block (end of archive). Throws on a damaged header. */
export function decodeUstarHeader(block: Uint8Array): UstarHeader | null {
  if (block.length !== ustarBlockSize) throw new Error(`ustar header must be ${ustarBlockSize} bytes, got ${block.length}`);
  if (block.every((b) => b === 0)) return null;
  const magic = readString(block, 257, 6);
  if (magic !== 'ustar' && magic !== 'ustar ') throw new Error('not a ustar archive (bad magic)');
  const stored = readNumber(block, 148, 8, 'checksum');
  const sums = checksums(block);
  if (stored !== sums.unsigned && stored !== sums.signed) throw new Error('ustar header checksum mismatch');
  const typeflag = String.fromCharCode(block[156] ?? 0);
  const type: UstarType =
    typeflag === '0' || typeflag === '\0' ? 'file'
      : typeflag === '5' ? 'directory'
        : typeflag === 'x' ? 'pax-header'
          : typeflag === 'g' ? 'pax-global'
            : 'other';
  const name = readString(block, 0, 100);
  const prefix = magic === 'ustar' ? readString(block, 345, 155) : '';
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: readNumber(block, 124, 12, 'size'),
    mode: readNumber(block, 100, 8, 'mode'),
    mtime: readNumber(block, 136, 12, 'mtime'),
    type,
    typeflag: typeflag === '\0' ? 'NUL' : typeflag,
  };
}

/** pax extended header records: "<len> <key>=<value>\n" repeated. */
export function parsePaxRecords(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number.parseInt(decoder.decode(data.subarray(at, space)), 10);
    if (!Number.isInteger(len) || len <= space - at || at + len > data.length) throw new Error('malformed pax record');
    const record = decoder.decode(data.subarray(space + 1, at + len - 1));
    const eq = record.indexOf('=');
    if (eq < 0) throw new Error('malformed pax record');
    out.set(record.slice(0, eq), record.slice(eq + 1));
    at += len;
  }
  return out;
}
