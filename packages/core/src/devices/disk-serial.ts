/**
 * The serial a guest sees for a volume (virtio-blk: at most 20 bytes), fixed when the
 * volume is created and stored with it. It is the volume id with anything outside
 * [A-Za-z0-9_.-] dropped, cut to 20 characters: "vol-" and the id's time and sequence
 * parts, unique among one instance's disks. Guests find the disk under
 * /dev/disk/by-id/virtio-<serial> whatever its vdX name.
 */
export const maxDiskSerialLength = 20;

export const diskSerialPattern = /^[A-Za-z0-9_.-]{1,20}$/;

export function diskSerialOf(volumeId: string): string {
  return volumeId.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, maxDiskSerialLength);
}
