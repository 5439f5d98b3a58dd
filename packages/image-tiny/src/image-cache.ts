/** Reads a build in outDir and decides whether it can be reused (I/O around image-manifest). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  judgeCachedBuild, parseManifest, tinyImageFileRoles,
  type CacheVerdict, type ObservedFile, type TinyImageFileRole, type TinyImageManifest,
} from './image-manifest.ts';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function observeFile(path: string): Promise<ObservedFile | null> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return null;
    return { size: s.size, sha256: await sha256File(path) };
  } catch {
    return null;
  }
}

/**
 * The build in outDir and whether it can be reused for `inputsKey`. Files are
 * only hashed when the manifest's inputs key matches.
 */
export async function readReusableBuild(outDir: string, inputsKey: string): Promise<{ verdict: CacheVerdict; manifest: TinyImageManifest | null }> {
  const manifest = parseManifest(await readFile(join(outDir, 'manifest.json'), 'utf8').catch(() => ''));
  if (!manifest || manifest.inputsKey !== inputsKey) {
    return { verdict: judgeCachedBuild(manifest, inputsKey, { kernel: null, initrd: null, rootDisk: null }), manifest };
  }
  const observed = {} as Record<TinyImageFileRole, ObservedFile | null>;
  for (const role of tinyImageFileRoles) observed[role] = await observeFile(join(outDir, manifest.files[role].name));
  return { verdict: judgeCachedBuild(manifest, inputsKey, observed), manifest };
}
