/**
 * The host's cache of image versions, filled from the management server over HTTP(S).
 *
 * Layout of `dir` (one ImageCache per directory):
 *   <id>.qcow2 | <id>.raw | <id>.iso   a verified image file
 *   <id>/                              an unpacked kernel bundle (vmlinuz, initrd, rootfs.qcow2?, cmdline?)
 *   <id>.sha256                        marker, JSON, written (atomically) only after verification
 *   <id>.partial, <id>.unpacking/      work in progress; removed on failure and at start-up
 *
 * Contract of ensure(): on success the image is on disk, has exactly `sizeBytes` bytes that hash
 * to `sha256`, and its marker exists. On failure nothing of this version is left but what was
 * there before (an earlier verified copy is never touched by a failed download, because a
 * verified copy short-circuits the download). Concurrent calls for one version share one download.
 * A cached copy is trusted only with a marker that names the same sha256 and format; the file is
 * not re-hashed (its size is checked).
 *
 * Removing an image a running guest uses is safe on Linux: the open inode lives on.
 */
import { mkdir, readdir, readFile, rename, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRef } from '@kumo/api';
import { fsyncDir, removeTree, renameDurable, unlinkIfExists, writeFileAtomic } from './durable-fs.ts';
import { downloadVerified, printableUrl } from './image-download.ts';
import { unpackKernelBundle } from './kernel-bundle.ts';
import { KeyedMutex, SingleFlight } from './keyed-tasks.ts';
import { assertSafeId } from './safe-id.ts';
import { StorageError } from './storage-error.ts';
import { silentLogger, type StorageLogger } from './storage-logger.ts';

export type ImageFormat = 'qcow2' | 'raw' | 'iso' | 'kernel-initrd' | 'rootfs-tar';
export const imageFormats: readonly ImageFormat[] = ['qcow2', 'raw', 'iso', 'kernel-initrd', 'rootfs-tar'];

interface CachedCommon { imageVersionId: string; sha256: string; sizeBytes: number }

/** A verified image on disk. For kernel bundles `path` is the directory it was unpacked into. */
export type CachedImage =
  | (CachedCommon & { format: 'qcow2' | 'raw' | 'iso' | 'rootfs-tar'; path: string })
  | (CachedCommon & { format: 'kernel-initrd'; path: string; kernel: string; initrd: string; rootDisk?: string; cmdline?: string });

export interface CacheListEntry extends CachedCommon { format: ImageFormat; path: string; verifiedAt: string }

export interface ImageCacheOptions {
  dir: string;
  fetch?: typeof fetch;
  /** Value of the Authorization header, sent only to the server's own origin (baseUrl). */
  authHeader?: () => string | undefined;
  /** Base for relative image URLs, when a ref does not carry its own. */
  baseUrl?: string;
  /** Abort a download when no byte arrives for this long. Default 60 s. */
  idleTimeoutMs?: number;
  log?: StorageLogger;
}

interface Marker { imageVersionId: string; sha256: string; format: ImageFormat; sizeBytes: number; verifiedAt: string }

function parseMarker(text: string): Marker | null {
  try {
    const m = JSON.parse(text) as Partial<Marker>;
    if (typeof m.sha256 !== 'string' || typeof m.format !== 'string' || !imageFormats.includes(m.format)
      || typeof m.sizeBytes !== 'number' || typeof m.imageVersionId !== 'string') return null;
    return { imageVersionId: m.imageVersionId, sha256: m.sha256, format: m.format, sizeBytes: m.sizeBytes, verifiedAt: String(m.verifiedAt ?? '') };
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

export class ImageCache {
  readonly dir: string;
  private readonly fetchFn: typeof fetch;
  private readonly log: StorageLogger;
  private readonly idleTimeoutMs: number;
  private readonly downloads = new SingleFlight<CachedImage>();
  private readonly perImage = new KeyedMutex();
  private ready: Promise<void> | null = null;

  constructor(private readonly opts: ImageCacheOptions) {
    this.dir = opts.dir;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.log = opts.log ?? silentLogger;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
  }

  /** Where a verified image file of this format lives (kernel bundles: their directory). */
  pathFor(imageVersionId: string, format: ImageFormat): string {
    return format === 'kernel-initrd' ? join(this.dir, imageVersionId) : join(this.dir, `${imageVersionId}.${format}`);
  }

  /** Makes sure the version is cached and verified; downloads it if not. */
  async ensure(ref: ImageRef & { baseUrl?: string }): Promise<CachedImage> {
    const checked = this.validate(ref);
    return this.downloads.run(checked.imageVersionId, () =>
      this.perImage.run(checked.imageVersionId, () => this.ensureLocked(ref, checked)));
  }

  /** Forgets a version: marker first (so a crash midway leaves an untrusted copy), then its files. */
  async remove(imageVersionId: string): Promise<void> {
    assertSafeId('image version', imageVersionId);
    await this.init();
    await this.perImage.run(imageVersionId, () => this.removeLocked(imageVersionId));
  }

  /** Verified versions in the cache, from their markers (files are not re-hashed). */
  async list(): Promise<CacheListEntry[]> {
    await this.init();
    const out: CacheListEntry[] = [];
    for (const name of (await readdir(this.dir)).sort()) {
      if (!name.endsWith('.sha256')) continue;
      const marker = parseMarker(await readFile(join(this.dir, name), 'utf8').catch(() => ''));
      if (!marker || `${marker.imageVersionId}.sha256` !== name) continue;
      const path = this.pathFor(marker.imageVersionId, marker.format);
      if (!(await exists(path))) continue;
      out.push({ ...marker, path });
    }
    return out;
  }

  private validate(ref: ImageRef): { imageVersionId: string; sha256: string; format: ImageFormat; sizeBytes: number } {
    assertSafeId('image version', ref.imageVersionId);
    if (!imageFormats.includes(ref.format as ImageFormat)) {
      throw new StorageError('bad-request', `image ${ref.imageVersionId} has unknown format ${JSON.stringify(ref.format)}`);
    }
    const sha256 = ref.sha256.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new StorageError('bad-request', `image ${ref.imageVersionId} has an invalid sha256`);
    if (!Number.isSafeInteger(ref.sizeBytes) || ref.sizeBytes < 0) {
      throw new StorageError('bad-request', `image ${ref.imageVersionId} has an invalid size ${ref.sizeBytes}`);
    }
    return { imageVersionId: ref.imageVersionId, sha256, format: ref.format as ImageFormat, sizeBytes: ref.sizeBytes };
  }

  /** Creates the directory and clears work a previous process left unfinished. */
  private init(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o755 });
      for (const name of await readdir(this.dir)) {
        if (name.endsWith('.partial') || name.endsWith('.unpacking')) await removeTree(join(this.dir, name));
      }
    })();
    return this.ready;
  }

  private resolveUrl(ref: ImageRef & { baseUrl?: string }): { url: URL; sameOriginAsServer: boolean } {
    const base = ref.baseUrl ?? this.opts.baseUrl;
    let url: URL;
    try {
      url = base === undefined ? new URL(ref.url) : new URL(ref.url, base);
    } catch {
      throw new StorageError('bad-request', `image ${ref.imageVersionId}: cannot resolve URL ${JSON.stringify(ref.url)}${base === undefined ? ' without a base URL' : ''}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new StorageError('bad-request', `image ${ref.imageVersionId}: only http(s) URLs are fetched, not ${url.protocol}`);
    }
    return { url, sameOriginAsServer: base !== undefined && new URL(base).origin === url.origin };
  }

  private async ensureLocked(ref: ImageRef & { baseUrl?: string }, want: { imageVersionId: string; sha256: string; format: ImageFormat; sizeBytes: number }): Promise<CachedImage> {
    await this.init();
    const id = want.imageVersionId;
    const hit = await this.lookup(want);
    if (hit) return hit;
    await this.removeLocked(id); // a marker for other bytes, or files without a marker

    const { url, sameOriginAsServer } = this.resolveUrl(ref);
    await this.checkFreeSpace(id, want.format === 'kernel-initrd' ? 2 * want.sizeBytes : want.sizeBytes);
    const headers: Record<string, string> = {};
    const auth = sameOriginAsServer ? this.opts.authHeader?.() : undefined;
    if (auth !== undefined) headers.authorization = auth;

    const started = performance.now();
    const partial = join(this.dir, `${id}.partial`);
    this.log.info({ imageVersionId: id, url: printableUrl(url), sizeBytes: want.sizeBytes }, 'image download started');
    try {
      await downloadVerified({ imageVersionId: id, url, sha256: want.sha256, sizeBytes: want.sizeBytes, dest: partial, headers, fetch: this.fetchFn, idleTimeoutMs: this.idleTimeoutMs });
    } catch (err) {
      this.log.warn({ imageVersionId: id, err: (err as Error).message }, 'image download failed');
      throw err;
    }
    const target = this.pathFor(id, want.format);
    if (want.format === 'kernel-initrd') {
      const work = join(this.dir, `${id}.unpacking`);
      try {
        await removeTree(work);
        await mkdir(work, { mode: 0o755 });
        await unpackKernelBundle(partial, work);
        await fsyncDir(work);
        await rename(work, target);
      } catch (err) {
        await removeTree(work);
        throw new StorageError('bad-image', `image ${id}: bad kernel bundle: ${(err as Error).message}`, { cause: err });
      } finally {
        await unlinkIfExists(partial);
      }
      await fsyncDir(this.dir);
    } else {
      await renameDurable(partial, target);
    }
    const marker: Marker = { imageVersionId: id, sha256: want.sha256, format: want.format, sizeBytes: want.sizeBytes, verifiedAt: new Date().toISOString() };
    await writeFileAtomic(join(this.dir, `${id}.sha256`), `${JSON.stringify(marker)}\n`);
    this.log.info({ imageVersionId: id, sizeBytes: want.sizeBytes, ms: Math.round(performance.now() - started) }, 'image cached');
    const cached = await this.lookup(want);
    if (!cached) throw new Error(`image ${id} vanished right after caching`);
    return cached;
  }

  /** The verified copy matching `want`, or null. */
  private async lookup(want: { imageVersionId: string; sha256: string; format: ImageFormat; sizeBytes: number }): Promise<CachedImage | null> {
    const id = want.imageVersionId;
    const marker = parseMarker(await readFile(join(this.dir, `${id}.sha256`), 'utf8').catch(() => ''));
    if (!marker || marker.sha256 !== want.sha256 || marker.format !== want.format || marker.sizeBytes !== want.sizeBytes) return null;
    const common = { imageVersionId: id, sha256: want.sha256, sizeBytes: want.sizeBytes };
    const path = this.pathFor(id, want.format);
    if (want.format !== 'kernel-initrd') {
      const s = await stat(path).catch(() => null);
      if (!s?.isFile() || s.size !== want.sizeBytes) return null;
      return { ...common, format: want.format, path };
    }
    const kernel = join(path, 'vmlinuz');
    const initrd = join(path, 'initrd');
    if (!(await exists(kernel)) || !(await exists(initrd))) return null;
    const rootDisk = join(path, 'rootfs.qcow2');
    const cmdline = await readFile(join(path, 'cmdline'), 'utf8').then((t) => t.replace(/\s+$/, ''), () => undefined);
    return {
      ...common, format: 'kernel-initrd', path, kernel, initrd,
      ...((await exists(rootDisk)) ? { rootDisk } : {}),
      ...(cmdline !== undefined ? { cmdline } : {}),
    };
  }

  private async removeLocked(id: string): Promise<void> {
    await unlinkIfExists(join(this.dir, `${id}.sha256`));
    for (const format of imageFormats) await removeTree(this.pathFor(id, format));
    await removeTree(join(this.dir, `${id}.partial`));
    await removeTree(join(this.dir, `${id}.unpacking`));
  }

  private async checkFreeSpace(id: string, needBytes: number): Promise<void> {
    const fs = await statfs(this.dir);
    const free = fs.bavail * fs.bsize;
    if (free < needBytes) {
      throw new StorageError('no-space', `image ${id} needs ${needBytes} bytes in ${this.dir}, only ${free} free`);
    }
  }
}
