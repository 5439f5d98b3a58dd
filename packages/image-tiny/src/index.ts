export {
  buildTinyImage, findGuestKernel, requiredDebianPackages, bootDebianPackages, tinyImageCmdline,
  initrdModuleNames, rootDiskExtraModuleNames, rootDiskMiB,
  type TinyImage, type BuildTinyImageOptions, type GuestKernel,
} from './build-tiny-image.ts';
export { MissingDebianPackageError } from './host-tools.ts';
export { downloadGuestKernel, findCachedGuestKernel, guestKernelCacheDir, guestKernelDebianPackage } from './guest-kernel-download.ts';
export type { TinyImageManifest } from './image-manifest.ts';
