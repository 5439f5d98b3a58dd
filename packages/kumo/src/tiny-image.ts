import { join } from 'node:path';
import { buildTinyImage } from '@kumo/image-tiny';
import { writeKernelBundle } from '@kumo/storage';
import type { KumoClient } from '@kumo/api';

/**
 * Build the tiny guest image offline (Debian kernel + busybox root disk), pack it as a kernel bundle
 * and upload it as the public image `tiny`, unless that exact bundle is there already.
 */
export async function ensureTinyImage(client: KumoClient, workDir: string, say: (l: string) => void): Promise<string> {
  const started = Date.now();
  const tiny = await buildTinyImage({ outDir: join(workDir, 'build') });
  const bundle = join(workDir, 'tiny-bundle.tar');
  const { sizeBytes, sha256 } = await writeKernelBundle(bundle, { vmlinuz: { path: tiny.kernel }, initrd: { path: tiny.initrd }, rootfs: { path: tiny.rootDisk }, cmdline: tiny.cmdline });
  const images = await client.list<{ id: string; name: string }>('images', { name: 'tiny' });
  const image = images.items[0] ?? await client.create<{ id: string }>('images', { name: 'tiny', public: true, description: 'tiny test guest: Debian kernel, busybox, DHCP, shell on the serial console' });
  const versions = await client.request<{ items: Array<{ id: string; sha256: string; version: string }> }>('GET', `/api/v1/images/${image.id}/versions`);
  if (versions.items.some((v) => v.sha256 === sha256)) return image.id;
  const { createReadStream } = await import('node:fs');
  const { Readable } = await import('node:stream');
  await client.upload(`/api/v1/images/${image.id}/versions/${versions.items.length + 1}/file`, { format: 'kernel-initrd', sha256, cmdline: tiny.cmdline },
    Readable.toWeb(createReadStream(bundle)) as ReadableStream<Uint8Array>, sizeBytes);
  say(`built and registered image tiny (${(sizeBytes / 2 ** 20).toFixed(1)} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return image.id;
}
