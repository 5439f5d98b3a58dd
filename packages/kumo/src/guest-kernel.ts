import { downloadGuestKernel, findCachedGuestKernel, findGuestKernel, guestKernelCacheDir, type GuestKernel } from '@kumo/image-tiny';

/**
 * The tiny guest's kernel: the host's own in /boot, one unpacked earlier, or Debian's kernel package
 * downloaded and unpacked now (never installed into this host). `kumo up` runs this right after
 * `apt-get update`, alongside the package install, so the image build finds it ready.
 */
export async function ensureGuestKernel(): Promise<GuestKernel> {
  return findGuestKernel() ?? await findCachedGuestKernel(guestKernelCacheDir()) ?? await downloadGuestKernel();
}
