import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buildTinyImage } from '@kumo/image-tiny';
import { buildTinyRootfsTar } from '@kumo/image-tiny/container';
import { writeKernelBundle, type KernelBundleParts } from '@kumo/storage';
import type { KumoClient } from '@kumo/api';

/** Pack kernel, initrd and root disk as a kernel bundle and upload it as a new version of a public image. */
export async function uploadKernelImage(client: KumoClient, o: { name: string; bundlePath: string; parts: KernelBundleParts; cmdline: string; description?: string }): Promise<{ imageId: string; sizeBytes: number; uploaded: boolean }> {
  const { sizeBytes, sha256 } = await writeKernelBundle(o.bundlePath, o.parts);
  const existing = (await client.list<{ id: string }>('images', { name: o.name })).items[0];
  const image = existing ?? await client.create<{ id: string }>('images', { name: o.name, public: true, ...(o.description ? { description: o.description } : {}) });
  const versions = await client.request<{ items: Array<{ sha256: string }> }>('GET', `/api/v1/images/${image.id}/versions`);
  if (versions.items.some((v) => v.sha256 === sha256)) return { imageId: image.id, sizeBytes, uploaded: false };
  await client.upload(`/api/v1/images/${image.id}/versions/${versions.items.length + 1}/file`, { format: 'kernel-initrd', sha256, cmdline: o.cmdline },
    Readable.toWeb(createReadStream(o.bundlePath)) as ReadableStream<Uint8Array>, sizeBytes);
  return { imageId: image.id, sizeBytes, uploaded: true };
}

/**
 * Build the tiny guest image offline (Debian kernel + busybox root disk), pack it as a kernel bundle
 * and upload it as the public image `tiny`, unless that exact bundle is there already.
 */
export async function ensureTinyImage(client: KumoClient, workDir: string, say: (l: string) => void, buildDir = join(workDir, 'build')): Promise<string> {
  const started = Date.now();
  const tiny = await buildTinyImage({ outDir: buildDir });
  const r = await uploadKernelImage(client, {
    name: 'tiny', bundlePath: join(workDir, 'tiny-bundle.tar'), cmdline: tiny.cmdline,
    parts: { vmlinuz: { path: tiny.kernel }, initrd: { path: tiny.initrd }, rootfs: { path: tiny.rootDisk }, cmdline: tiny.cmdline },
    description: 'tiny test guest: Debian kernel, busybox, DHCP, shell on the serial console',
  });
  if (r.uploaded) say(`built and registered image tiny (${(r.sizeBytes / 2 ** 20).toFixed(1)} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return r.imageId;
}

/**
 * Build the tiny guest's userland as a container root file system (a reproducible tar) and register
 * it as the public image `tiny-ct` (format 'rootfs-tar'), unless that exact tar is there already.
 */
export async function ensureTinyCtImage(client: KumoClient, workDir: string, say: (l: string) => void): Promise<string> {
  const tarball = join(workDir, 'tiny-ct.tar');
  await mkdir(workDir, { recursive: true });
  await buildTinyRootfsTar(tarball);
  const bytes = await readFile(tarball);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const existing = (await client.list<{ id: string }>('images', { name: 'tiny-ct' })).items[0];
  const image = existing ?? await client.create<{ id: string }>('images', { name: 'tiny-ct', public: true, description: 'tiny test container: busybox init, DHCP, shell on the console (LXC hosts)' });
  const versions = await client.request<{ items: Array<{ sha256: string }> }>('GET', `/api/v1/images/${image.id}/versions`);
  if (versions.items.some((v) => v.sha256 === sha256)) return image.id;
  await client.upload(`/api/v1/images/${image.id}/versions/${versions.items.length + 1}/file`, { format: 'rootfs-tar', sha256 },
    Readable.toWeb(createReadStream(tarball)) as ReadableStream<Uint8Array>, bytes.length);
  say(`registered image tiny-ct (${(bytes.length / 2 ** 20).toFixed(1)} MiB root-fs tar, for container hosts)`);
  return image.id;
}
