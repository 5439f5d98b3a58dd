export {
  buildDebianImage, debianImageCacheRoot, debianImageInputs, type BuildDebianImageOptions, type DebianImage,
} from './build-debian-image.ts';
export { debianBuildPackages, debianGuestPackages, debianImageCmdline, debianSuite } from './debian-image-spec.ts';
export { hostDebianMirror } from './debian-mirror.ts';
