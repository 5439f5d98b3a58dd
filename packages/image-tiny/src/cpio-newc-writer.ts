/**
 * Writes a cpio archive in the "newc" format the kernel unpacks as initramfs
 * (pure, no I/O). Every entry is owned by root with mtime 0, so the same tree
 * always gives the same bytes, and device nodes need no root rights to create.
 */
import { normalizeTree, type TreeEntry } from './guest-tree.ts';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const encoder = new TextEncoder();

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio field out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

interface Record { ino: number; mode: number; nlink: number; name: string; data: Uint8Array; rdevMajor: number; rdevMinor: number }

function recordOf(e: TreeEntry, ino: number): Record {
  const base = { ino, name: e.path, rdevMajor: 0, rdevMinor: 0 };
  switch (e.kind) {
    case 'dir': return { ...base, mode: S_IFDIR | e.mode, nlink: 2, data: new Uint8Array() };
    case 'file': return { ...base, mode: S_IFREG | e.mode, nlink: 1, data: e.data };
    case 'symlink': return { ...base, mode: S_IFLNK | 0o777, nlink: 1, data: encoder.encode(e.target) };
    case 'chardev': return { ...base, mode: S_IFCHR | e.mode, nlink: 1, data: new Uint8Array(), rdevMajor: e.major, rdevMinor: e.minor };
  }
}

function encodeRecord(r: Record): Uint8Array[] {
  const name = encoder.encode(`${r.name}\0`);
  const header = encoder.encode(
    '070701' +
      hex8(r.ino) + hex8(r.mode) + hex8(0) + hex8(0) + hex8(r.nlink) + hex8(0) +
      hex8(r.data.length) + hex8(0) + hex8(0) + hex8(r.rdevMajor) + hex8(r.rdevMinor) +
      hex8(name.length) + hex8(0),
  );
  const out: Uint8Array[] = [header, name, new Uint8Array(pad4(header.length + name.length))];
  if (r.data.length > 0) out.push(r.data, new Uint8Array(pad4(r.data.length)));
  return out;
}

/**
 * The archive bytes for the tree (parents are added and ordered first). The
 * first record is the root directory itself, so / gets mode 0755 rather than
 * the kernel's default for rootfs.
 */
export function encodeCpioNewc(entries: readonly TreeEntry[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  let ino = 1;
  chunks.push(...encodeRecord({ ino: ino++, mode: S_IFDIR | 0o755, nlink: 2, name: '.', data: new Uint8Array(), rdevMajor: 0, rdevMinor: 0 }));
  for (const e of normalizeTree(entries)) chunks.push(...encodeRecord(recordOf(e, ino++)));
  chunks.push(...encodeRecord({ ino: 0, mode: 0, nlink: 1, name: 'TRAILER!!!', data: new Uint8Array(), rdevMajor: 0, rdevMinor: 0 }));
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(Math.ceil(total / 512) * 512); // zero-padded to whole blocks, as cpio(1) does
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
