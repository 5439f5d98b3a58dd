/**
 * Kernel bundles: how a 'kernel-initrd' image version travels as ONE file. The file is a
 * POSIX ustar tar with the regular-file members
 *
 *   vmlinuz        the kernel (required)
 *   initrd         the initramfs (required)
 *   rootfs.qcow2   a root disk to clone for the instance (optional)
 *   cmdline        the kernel command line, UTF-8 text (optional)
 *
 * A leading "./" is allowed (`tar -C dir -cf b.tar .` works); anything else, and links or
 * devices, are refused. GNU tar's default, ustar and pax formats are all read. Build one with
 * `packKernelBundle` / `writeKernelBundle`, or `tar --format=ustar -cf b.tar vmlinuz initrd …`.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fsyncFile } from './durable-fs.ts';
import { encodeUstarHeader, ustarEndOfArchive, ustarPaddingFor } from './ustar-format.ts';
import { readUstarMembers } from './ustar-file-reader.ts';

export const kernelBundleMemberNames = { vmlinuz: 'vmlinuz', initrd: 'initrd', rootfs: 'rootfs.qcow2', cmdline: 'cmdline' } as const;

/** Bytes in memory, or a file to stream from. */
export type KernelBundleSource = Uint8Array | { path: string };

export interface KernelBundleParts {
  vmlinuz: KernelBundleSource;
  initrd: KernelBundleSource;
  rootfs?: KernelBundleSource;
  cmdline?: string;
}

/** What an unpacked bundle holds (absolute paths). */
export interface KernelBundleFiles {
  kernel: string;
  initrd: string;
  rootDisk?: string;
  cmdline?: string;
}

const maxCmdlineBytes = 64 * 1024;

async function* memberChunks(name: string, source: KernelBundleSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield encodeUstarHeader({ name, size: source.length });
    yield source;
    yield new Uint8Array(ustarPaddingFor(source.length));
    return;
  }
  const { size } = await stat(source.path);
  yield encodeUstarHeader({ name, size });
  let sent = 0;
  if (size > 0) {
    for await (const chunk of createReadStream(source.path, { end: size - 1, highWaterMark: 1024 * 1024 })) {
      const bytes = chunk as Buffer;
      sent += bytes.length;
      yield bytes;
    }
  }
  if (sent !== size) throw new Error(`${source.path} changed size while being packed (${sent} of ${size} bytes)`);
  yield new Uint8Array(ustarPaddingFor(size));
}

/**
 * The bundle's bytes, in order, as an async iterable (pipe it to a file or an HTTP upload).
 * The output is deterministic: mtime 0, owner root, mode 0644, fixed member order.
 */
export async function* packKernelBundle(parts: KernelBundleParts): AsyncGenerator<Uint8Array> {
  yield* memberChunks(kernelBundleMemberNames.vmlinuz, parts.vmlinuz);
  yield* memberChunks(kernelBundleMemberNames.initrd, parts.initrd);
  if (parts.rootfs !== undefined) yield* memberChunks(kernelBundleMemberNames.rootfs, parts.rootfs);
  if (parts.cmdline !== undefined) yield* memberChunks(kernelBundleMemberNames.cmdline, new TextEncoder().encode(parts.cmdline));
  yield ustarEndOfArchive();
}

/** Writes a bundle to `path` and returns what an image version records about it. */
export async function writeKernelBundle(path: string, parts: KernelBundleParts): Promise<{ sizeBytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  async function* counted() {
    for await (const chunk of packKernelBundle(parts)) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      yield chunk;
    }
  }
  await pipeline(counted(), createWriteStream(path));
  return { sizeBytes, sha256: hash.digest('hex') };
}

function roleOf(name: string): keyof typeof kernelBundleMemberNames | null {
  const bare = name.replace(/^(\.\/)+/, '');
  for (const [role, member] of Object.entries(kernelBundleMemberNames)) {
    if (bare === member) return role as keyof typeof kernelBundleMemberNames;
  }
  return null;
}

/** Unpacks the bundle at `tarPath` into the existing empty directory `outDir`. Throws on a bad bundle. */
export async function unpackKernelBundle(tarPath: string, outDir: string): Promise<KernelBundleFiles> {
  const fh = await open(tarPath, 'r');
  const seen = new Set<string>();
  let cmdline: string | undefined;
  try {
    const { size } = await fh.stat();
    for await (const m of readUstarMembers(fh, size)) {
      const bare = m.name.replace(/^(\.\/)+/, '');
      if (m.type === 'directory') {
        if (bare === '' || bare === '.') continue;
        throw new Error(`unexpected directory ${JSON.stringify(m.name)} in kernel bundle`);
      }
      const role = roleOf(m.name);
      if (role === null) throw new Error(`unexpected member ${JSON.stringify(m.name)} in kernel bundle (allowed: vmlinuz, initrd, rootfs.qcow2, cmdline)`);
      if (seen.has(role)) throw new Error(`kernel bundle has ${kernelBundleMemberNames[role]} twice`);
      seen.add(role);
      const dest = join(outDir, kernelBundleMemberNames[role]);
      if (role === 'cmdline') {
        if (m.size > maxCmdlineBytes) throw new Error('kernel bundle cmdline is too long');
        const buf = new Uint8Array(m.size);
        await fh.read(buf, 0, m.size, m.dataOffset);
        cmdline = new TextDecoder().decode(buf).replace(/\s+$/, '');
        await writeFile(dest, buf);
      } else if (m.size === 0) {
        await writeFile(dest, new Uint8Array());
      } else {
        await pipeline(
          createReadStream(tarPath, { start: m.dataOffset, end: m.dataOffset + m.size - 1, highWaterMark: 1024 * 1024 }),
          createWriteStream(dest),
        );
      }
      await fsyncFile(dest);
    }
  } finally {
    await fh.close();
  }
  for (const required of ['vmlinuz', 'initrd'] as const) {
    if (!seen.has(required)) throw new Error(`kernel bundle lacks ${kernelBundleMemberNames[required]}`);
  }
  return {
    kernel: join(outDir, kernelBundleMemberNames.vmlinuz),
    initrd: join(outDir, kernelBundleMemberNames.initrd),
    ...(seen.has('rootfs') ? { rootDisk: join(outDir, kernelBundleMemberNames.rootfs) } : {}),
    ...(cmdline !== undefined ? { cmdline } : {}),
  };
}
