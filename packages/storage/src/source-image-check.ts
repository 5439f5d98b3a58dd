/** Checks an image from the cache before the pool reads it: is it what it claims, and self-contained? */
import type { QemuImg } from './qemu-img.ts';
import { StorageError } from './storage-error.ts';

export type VolumeFormat = 'qcow2' | 'raw';

/** An image in the host's cache that a root disk is made from. */
export interface BaseImage { imageVersionId: string; path: string; format: VolumeFormat }

/**
 * Opens the image with its declared format (never probed) and refuses a qcow2 with a backing
 * file or an external data file: such an image could make qemu-img or QEMU read host files.
 * Returns the virtual size in bytes.
 */
export async function inspectSourceImage(qemuImg: QemuImg, base: BaseImage): Promise<number> {
  if (base.format !== 'qcow2' && base.format !== 'raw') {
    throw new StorageError('bad-request', `image ${base.imageVersionId}: a root disk cannot be made from format ${JSON.stringify(base.format)}`);
  }
  let info;
  try {
    info = await qemuImg.info(base.path, base.format);
  } catch (err) {
    throw new StorageError('bad-image', `image ${base.imageVersionId} is not a valid ${base.format} image: ${(err as Error).message}`, { cause: err });
  }
  if (info.backingFilename !== null || info.dataFile !== null) {
    throw new StorageError('bad-image', `image ${base.imageVersionId} refers to another file (${info.backingFilename ?? info.dataFile}); refusing it`);
  }
  return info.virtualSize;
}
