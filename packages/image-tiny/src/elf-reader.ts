/**
 * Reads the few things the build needs from ELF files (pure, no I/O): static or
 * dynamic linkage (Debian's `busybox` package installs a dynamic /bin/busybox
 * that cannot run in a guest without libc; `busybox-static` does not), the Xen
 * PVH entry note of a vmlinux, and where its ELF content ends.
 */

const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_NOTE = 4;
const XEN_ELFNOTE_PHYS32_ENTRY = 18;

export type ElfLinkage = 'static' | 'dynamic' | 'not-elf';

export function elfLinkage(bytes: Uint8Array): ElfLinkage {
  if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return 'not-elf';
  const is64 = bytes[4] === 2;
  const little = bytes[5] === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number): number => view.getUint16(o, little);
  const u32 = (o: number): number => view.getUint32(o, little);
  const phoff = is64 ? Number(view.getBigUint64(0x20, little)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > bytes.length) return 'not-elf';
    if (u32(at) === PT_INTERP) return 'dynamic';
  }
  return 'static';
}

interface Elf64 { view: DataView; phoff: number; phentsize: number; phnum: number; shoff: number; shentsize: number; shnum: number }

function readElf64(elf: Uint8Array): Elf64 | null {
  if (elf.length < 64 || elf[0] !== 0x7f || elf[1] !== 0x45 || elf[2] !== 0x4c || elf[3] !== 0x46) return null;
  if (elf[4] !== 2 || elf[5] !== 1) return null; // 64-bit little-endian only (x86_64)
  const view = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  return {
    view,
    phoff: Number(view.getBigUint64(0x20, true)),
    shoff: Number(view.getBigUint64(0x28, true)),
    phentsize: view.getUint16(0x36, true),
    phnum: view.getUint16(0x38, true),
    shentsize: view.getUint16(0x3a, true),
    shnum: view.getUint16(0x3c, true),
  };
}

function programHeaders(e: Elf64): { type: number; offset: number; filesz: number }[] {
  const out = [];
  for (let i = 0; i < e.phnum; i++) {
    const at = e.phoff + i * e.phentsize;
    if (at + 56 > e.view.byteLength) break;
    out.push({
      type: e.view.getUint32(at, true),
      offset: Number(e.view.getBigUint64(at + 8, true)),
      filesz: Number(e.view.getBigUint64(at + 32, true)),
    });
  }
  return out;
}

/** True if the ELF carries the Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY). */
export function elfHasPvhEntry(elf: Uint8Array): boolean {
  const e = readElf64(elf);
  if (!e) return false;
  for (const ph of programHeaders(e)) {
    if (ph.type !== PT_NOTE) continue;
    let at = ph.offset;
    const end = Math.min(ph.offset + ph.filesz, elf.length);
    while (at + 12 <= end) {
      const namesz = e.view.getUint32(at, true);
      const descsz = e.view.getUint32(at + 4, true);
      const type = e.view.getUint32(at + 8, true);
      const name = new TextDecoder().decode(elf.subarray(at + 12, at + 12 + Math.max(0, namesz - 1)));
      if (name === 'Xen' && type === XEN_ELFNOTE_PHYS32_ENTRY) return true;
      at += 12 + Math.ceil(namesz / 4) * 4 + Math.ceil(descsz / 4) * 4;
    }
  }
  return false;
}

/**
 * Where the ELF's own content ends (segments and section headers). A kernel
 * decompressed from a bzImage is followed by its relocation table, which the ELF
 * does not need.
 */
export function elfContentEnd(elf: Uint8Array): number | null {
  const e = readElf64(elf);
  if (!e) return null;
  let end = Math.max(64, e.phoff + e.phnum * e.phentsize, e.shoff + e.shnum * e.shentsize);
  for (const ph of programHeaders(e)) if (ph.type === PT_LOAD || ph.type === PT_NOTE) end = Math.max(end, ph.offset + ph.filesz);
  return end <= elf.length ? end : null;
}
