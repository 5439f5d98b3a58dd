/**
 * The guest's CD-ROM drive (pure). It is an ide-cd on the IDE bus `ide.1` that both machine types
 * have without any extra controller: on `pc` the PIIX3 IDE function (slot 0x01, secondary channel),
 * on q35 the ICH9 AHCI controller (slot 0x1f, port 1). Both slots are in the chipset's reserved
 * range of the device layout, so the drive never takes a disk's or NIC's slot. A removable drive
 * there supports media change while the guest runs (blockdev-change-medium, eject), which a
 * virtio-blk device cannot. The drive is present whenever spec.cdrom is, empty without spec.cdrom.iso.
 */
import type { CdromSpec } from '@kumo/core';

export const cdromDeviceId = 'cdrom0';
export const cdromBus = 'ide.1';
/** Node name of the medium inserted at boot (media changed later get names QEMU picks). */
export const cdromBootNode = 'cdrom-iso';

/** -blockdev JSON of the ISO in the drive at boot, if any. */
export function cdromBlockdev(cdrom: CdromSpec): Record<string, unknown> | undefined {
  if (!cdrom.iso) return undefined;
  return {
    driver: 'raw', 'node-name': cdromBootNode, 'read-only': true,
    file: { driver: 'file', filename: cdrom.iso.path, 'read-only': true },
  };
}

/** -device option of the drive. */
export function cdromDevice(cdrom: CdromSpec, bootindex: number | undefined): string {
  let dev = `ide-cd,id=${cdromDeviceId},bus=${cdromBus}`;
  if (cdrom.iso) dev += `,drive=${cdromBootNode}`;
  if (bootindex !== undefined) dev += `,bootindex=${bootindex}`;
  return dev;
}
