export {
  buildTinyImage, findGuestKernel, requiredDebianPackages, bootDebianPackages, tinyImageCmdline,
  initrdModuleNames, rootDiskExtraModuleNames, rootDiskMiB,
  type TinyImage, type BuildTinyImageOptions, type GuestKernel,
} from './build-tiny-image.ts';
export { MissingDebianPackageError } from './host-tools.ts';
export { downloadGuestKernel, findCachedGuestKernel, guestKernelCacheDir, guestKernelDebianPackage } from './guest-kernel-download.ts';
export type { TinyImageManifest } from './image-manifest.ts';
// Building blocks shared with other image builders (packages/image-debian).
export { acquireBuildLock, type BuildLockOptions } from './build-lock.ts';
export { findExecutable, requireExecutable } from './host-tools.ts';
export { sha256File } from './image-cache.ts';
export { extractPvhKernel, type PreparedKernel } from './pvh-kernel-extractor.ts';
export { runCommand } from './run-command.ts';
export { writeSparseFile } from './sparse-file-writer.ts';
