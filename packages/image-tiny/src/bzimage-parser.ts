/**
 * Looks inside an x86 bzImage (pure, no I/O): where the compressed kernel is and
 * how it is compressed (Documentation/arch/x86/boot.rst, protocol 2.08+).
 */

export type KernelCompression = 'gzip' | 'xz' | 'zstd' | 'bzip2' | 'lzma' | 'lzo' | 'lz4' | 'unknown';

export interface BzImagePayload {
  compression: KernelCompression;
  /** The compressed stream, without the 4-byte size trailer. */
  stream: Uint8Array;
  /** Size of the decompressed kernel, from the trailer. */
  decompressedSize: number;
}

export function detectCompression(b: Uint8Array): KernelCompression {
  const starts = (...sig: number[]): boolean => sig.every((v, i) => b[i] === v);
  if (starts(0x1f, 0x8b)) return 'gzip';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2';
  if (starts(0x5d, 0x00, 0x00)) return 'lzma';
  if (starts(0x89, 0x4c, 0x5a, 0x4f)) return 'lzo';
  if (starts(0x02, 0x21, 0x4c, 0x18)) return 'lz4';
  return 'unknown';
}

/** The compressed payload of a bzImage (boot protocol 2.08+), or null if it is not one. */
export function bzImagePayload(image: Uint8Array): BzImagePayload | null {
  if (image.length < 0x250) return null;
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (view.getUint32(0x202, true) !== 0x53726448 /* "HdrS" */) return null;
  if (view.getUint16(0x206, true) < 0x0208) return null;
  const setupSectors = image[0x1f1] || 4;
  const protectedModeStart = (setupSectors + 1) * 512;
  const offset = protectedModeStart + view.getUint32(0x248, true);
  const length = view.getUint32(0x24c, true);
  if (length < 8 || offset + length > image.length) return null;
  const payload = image.subarray(offset, offset + length);
  const decompressedSize = new DataView(payload.buffer, payload.byteOffset + length - 4, 4).getUint32(0, true);
  return { compression: detectCompression(payload), stream: payload.subarray(0, length - 4), decompressedSize };
}
