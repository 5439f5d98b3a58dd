/**
 * A capture of an instance that booted a kernel bundle (kernel + initrd + root disk) keeps booting
 * the same way: the captured root disk goes back into a bundle with the source version's kernel,
 * initrd and command line, so the new version is as self-contained as the one it came from.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { unpackKernelBundle, writeKernelBundle } from '@kumo/storage';

/** Writes `<capturedDisk>.bundle`: the source bundle's kernel, initrd and cmdline, with the captured disk as its root disk. */
export async function bundleCapturedDisk(sourceBundle: string, capturedDisk: string, cmdline: string): Promise<{ path: string; sizeBytes: number; sha256: string }> {
  const work = await mkdtemp(join(dirname(capturedDisk), '.bundle-'));
  try {
    const parts = await unpackKernelBundle(sourceBundle, work);
    const path = `${capturedDisk}.bundle`;
    const written = await writeKernelBundle(path, {
      vmlinuz: { path: parts.kernel }, initrd: { path: parts.initrd }, rootfs: { path: capturedDisk },
      ...(cmdline || parts.cmdline ? { cmdline: cmdline || parts.cmdline } : {}),
    });
    return { path, ...written };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
