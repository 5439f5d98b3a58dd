import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { bzImagePayload, detectCompression } from './bzimage-parser.ts';
import { elfContentEnd, elfHasPvhEntry, elfLinkage } from './elf-reader.ts';
import { extractPvhKernel } from './pvh-kernel-extractor.ts';

/** A minimal ELF64 with one PT_LOAD, optionally a PT_INTERP and a Xen PVH note. */
function makeElf(opts: { pvh?: boolean; interp?: boolean; noteName?: string } = {}): Uint8Array {
  const phs: { type: number; offset: number; size: number }[] = [];
  const body: number[] = [];
  const bodyAt = 64 + 3 * 56;
  const put = (bytes: number[]): number => {
    const at = bodyAt + body.length;
    body.push(...bytes);
    while (body.length % 4) body.push(0);
    return at;
  };
  const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  const text = [0x90, 0x90, 0xc3, 0x00, 1, 2, 3, 4];
  phs.push({ type: 1, offset: put(text), size: text.length });
  if (opts.interp) {
    const s = [...new TextEncoder().encode('/lib64/ld-linux-x86-64.so.2'), 0];
    phs.push({ type: 3, offset: put(s), size: s.length });
  }
  if (opts.pvh || opts.noteName) {
    const name = [...new TextEncoder().encode(opts.noteName ?? 'Xen'), 0];
    const padded = [...name];
    while (padded.length % 4) padded.push(0);
    const note = [...u32(name.length), ...u32(4), ...u32(opts.pvh ? 18 : 5), ...padded, ...u32(0x1000000)];
    phs.push({ type: 4, offset: put(note), size: note.length });
  }
  const shoff = bodyAt + body.length;
  const out = new Uint8Array(shoff + 64); // one (null) section header
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  v.setUint16(0x10, 2, true);
  v.setUint16(0x12, 0x3e, true);
  v.setBigUint64(0x20, 64n, true);
  v.setBigUint64(0x28, BigInt(shoff), true);
  v.setUint16(0x36, 56, true);
  v.setUint16(0x38, phs.length, true);
  v.setUint16(0x3a, 64, true);
  v.setUint16(0x3c, 1, true);
  phs.forEach((ph, i) => {
    const at = 64 + i * 56;
    v.setUint32(at, ph.type, true);
    v.setBigUint64(at + 8, BigInt(ph.offset), true);
    v.setBigUint64(at + 32, BigInt(ph.size), true);
    v.setBigUint64(at + 40, BigInt(ph.size), true);
  });
  out.set(body, bodyAt);
  return out;
}

/** A bzImage shell (boot protocol 2.15) around a payload that ends in its size trailer. */
function makeBzImage(compressed: Uint8Array, decompressedSize: number): Uint8Array {
  const setupSectors = 1;
  const pm = (setupSectors + 1) * 512;
  const payloadOffset = 16;
  const image = new Uint8Array(pm + payloadOffset + compressed.length + 4 + 32);
  const v = new DataView(image.buffer);
  image[0x1f1] = setupSectors;
  v.setUint32(0x202, 0x53726448, true);
  v.setUint16(0x206, 0x020f, true);
  v.setUint32(0x248, payloadOffset, true);
  v.setUint32(0x24c, compressed.length + 4, true);
  image.set(compressed, pm + payloadOffset);
  v.setUint32(pm + payloadOffset + compressed.length, decompressedSize, true);
  return image;
}

test('compression formats are told apart by their magic', () => {
  assert.equal(detectCompression(gzipSync(Buffer.from('x'))), 'gzip');
  assert.equal(detectCompression(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1])), 'xz');
  assert.equal(detectCompression(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd])), 'zstd');
  assert.equal(detectCompression(new Uint8Array([1, 2, 3])), 'unknown');
});

test('bzImagePayload finds the compressed kernel and its size trailer', () => {
  const kernel = makeElf({ pvh: true });
  const gz = gzipSync(kernel);
  const p = bzImagePayload(makeBzImage(gz, kernel.length));
  assert.ok(p);
  assert.equal(p.compression, 'gzip');
  assert.equal(p.decompressedSize, kernel.length);
  assert.deepEqual(new Uint8Array(p.stream), new Uint8Array(gz));
  assert.equal(bzImagePayload(kernel), null, 'an ELF is not a bzImage');
});

test('the PVH entry note is recognised, other notes are not', () => {
  assert.equal(elfHasPvhEntry(makeElf({ pvh: true })), true);
  assert.equal(elfHasPvhEntry(makeElf()), false);
  assert.equal(elfHasPvhEntry(makeElf({ noteName: 'GNU' })), false);
  assert.equal(elfHasPvhEntry(new Uint8Array(100)), false);
});

test('elfContentEnd ignores what follows the ELF (the relocation table)', () => {
  const elf = makeElf({ pvh: true });
  const withRelocs = new Uint8Array(elf.length + 100).fill(7);
  withRelocs.set(elf);
  assert.equal(elfContentEnd(withRelocs), elf.length);
});

test('extractPvhKernel returns the bare ELF of a PVH-capable gzip bzImage', async () => {
  const elf = makeElf({ pvh: true });
  const vmlinuxWithRelocs = new Uint8Array(elf.length + 64).fill(9);
  vmlinuxWithRelocs.set(elf);
  const out = await extractPvhKernel(makeBzImage(gzipSync(vmlinuxWithRelocs), vmlinuxWithRelocs.length));
  assert.equal(out.format, 'pvh-elf');
  assert.deepEqual(out.format === 'pvh-elf' ? new Uint8Array(out.elf) : null, elf);
});

test('extractPvhKernel keeps the bzImage of a kernel without PVH, and checks sizes', async () => {
  const plain = makeElf();
  const out = await extractPvhKernel(makeBzImage(gzipSync(plain), plain.length));
  assert.deepEqual(out, { format: 'bzimage', reason: 'the kernel has no PVH entry point (CONFIG_PVH)' });
  await assert.rejects(extractPvhKernel(makeBzImage(gzipSync(plain), plain.length + 1)), /bzImage says/);
  const lz4 = await extractPvhKernel(makeBzImage(new Uint8Array([0x02, 0x21, 0x4c, 0x18, 0, 0]), 10));
  assert.equal(lz4.format, 'bzimage');
});

test('elfLinkage tells static from dynamic executables', () => {
  assert.equal(elfLinkage(makeElf()), 'static');
  assert.equal(elfLinkage(makeElf({ interp: true })), 'dynamic');
  assert.equal(elfLinkage(new TextEncoder().encode('#!/bin/sh\necho not an elf, but long enough to be read as one.....')), 'not-elf');
});
