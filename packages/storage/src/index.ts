export { ImageCache, imageFormats, type ImageCacheOptions, type ImageFormat, type CachedImage, type CacheListEntry } from './image-cache.ts';
export {
  DirectoryPool, type DirectoryPoolOptions, type PoolKind, type VolumeFormat, type BaseImage, type RootDiskRequest,
  type CreatedVolume, type PoolUsage, type PoolBase,
} from './directory-pool.ts';
export {
  packKernelBundle, writeKernelBundle, unpackKernelBundle, kernelBundleMemberNames,
  type KernelBundleParts, type KernelBundleSource, type KernelBundleFiles,
} from './kernel-bundle.ts';
export { encodeUstarHeader, decodeUstarHeader, type UstarHeader } from './ustar-format.ts';
export { readDiskFileInfo, parseQcow2Header, type DiskFileInfo, type Qcow2Header } from './qcow2-header.ts';
export { QemuImg, type QemuImgInfo } from './qemu-img.ts';
export { inspectSourceImage } from './source-image-check.ts';
export { createOnce, fileLock, type CreateOnceLock, type CreateOnceOptions, type CreateOnceOutcome } from './create-once-lock.ts';
export { StorageError, type StorageErrorCode } from './storage-error.ts';
export { silentLogger, type StorageLogger } from './storage-logger.ts';
export { runHostCommand, type HostCommandOptions } from './host-command.ts';
export type {
  StoragePool, VolumeAccess, NewVolumeSource, CreateVolumeRequest, DiskFile, ExportTarget, RollbackSource, PoolWorkContext, VolumeInfo,
} from './storage-pool.ts';
export { exportDisk, type ExportSource } from './disk-file-export.ts';
export { convertWithProgress, type ConvertOptions } from './qemu-img-convert.ts';
