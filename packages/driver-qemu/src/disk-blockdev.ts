/**
 * How one disk of the spec becomes QEMU block objects (pure). The same definitions serve the
 * command line (-object, -blockdev, -device) and hot-plug over QMP (object-add, blockdev-add,
 * device_add), so a disk attached at boot and one hot-plugged later are the same objects with the
 * same names, and either can be unplugged, resized, throttled or backed up by name.
 *
 * Per disk, named after its volume id (diskNames):
 *   throttle group  tg-<vol>    (-object throttle-group; limits from DiskSpec.limits, 0 = none)
 *   filter node     t-<vol>     (driver throttle, in the group; what the guest device reads)
 *     format node   f-<vol>     (qcow2 or raw; block_resize and blockdev-backup work here)
 *       protocol    p-<vol>     (file, or rbd through librbd for DiskSpec.rbd)
 *   guest device    vblk-<vol>  (virtio-blk-pci with the disk's serial)
 * Every disk has its throttle group, unlimited when the spec has no limits, so setDiskLimits only
 * ever changes a group's limits (qom-set), never the block graph under a running guest.
 */
import { createHash } from 'node:crypto';
import type { DiskLimits, DiskSpec } from '@kumo/core';

export interface DiskNames {
  throttleGroup: string;
  filterNode: string;
  formatNode: string;
  protocolNode: string;
  device: string;
}

/** QEMU node names are at most 31 characters of [A-Za-z0-9_.-]: longer or odd ids are hashed. */
const NAME_SAFE_ID = /^[A-Za-z0-9_.-]{1,26}$/;

export function diskNames(volumeId: string): DiskNames {
  const base = NAME_SAFE_ID.test(volumeId) ? volumeId : `h${createHash('sha256').update(volumeId).digest('hex').slice(0, 20)}`;
  return { throttleGroup: `tg-${base}`, filterNode: `t-${base}`, formatNode: `f-${base}`, protocolNode: `p-${base}`, device: `vblk-${base}` };
}

/** QEMU's ThrottleLimits for DiskLimits; every field explicit (0 = unlimited), so a change never keeps an old value. */
export function throttleLimits(limits: DiskLimits | undefined): Record<string, number> {
  return {
    'iops-read': limits?.readIops ?? 0,
    'iops-write': limits?.writeIops ?? 0,
    'bps-read': limits?.readBytesPerSec ?? 0,
    'bps-write': limits?.writeBytesPerSec ?? 0,
  };
}

/** object-add arguments (and -object JSON) of the disk's throttle group. */
export function throttleGroupObject(d: DiskSpec): Record<string, unknown> {
  return { 'qom-type': 'throttle-group', id: diskNames(d.volumeId).throttleGroup, limits: throttleLimits(d.limits) };
}

/** blockdev-add arguments (and -blockdev JSON) of the disk: throttle filter over format over protocol. */
export function diskBlockdev(d: DiskSpec): Record<string, unknown> {
  const n = diskNames(d.volumeId);
  const readOnly = d.readOnly === true;
  const protocol: Record<string, unknown> = d.rbd
    ? {
        driver: 'rbd', 'node-name': n.protocolNode, pool: d.rbd.pool, image: d.rbd.image, user: d.rbd.user, conf: d.rbd.cephConf,
        'read-only': readOnly, discard: 'unmap', cache: { direct: true },
      }
    : { driver: 'file', 'node-name': n.protocolNode, filename: d.path, 'read-only': readOnly, discard: 'unmap' };
  const format: Record<string, unknown> = {
    driver: d.rbd ? 'raw' : d.format, 'node-name': n.formatNode, 'read-only': readOnly, discard: 'unmap',
    ...(d.rbd ? { cache: { direct: true } } : {}),
    file: protocol,
  };
  return { driver: 'throttle', 'node-name': n.filterNode, 'throttle-group': n.throttleGroup, 'read-only': readOnly, file: format };
}

/** Where a disk device plugs in: a bus and an address on it. */
export interface DiskBusAddress {
  bus: string;
  addr: string;
}

/**
 * device_add arguments of the disk's virtio-blk-pci (the -device string is rendered from the same
 * properties). RBD disks stop the guest on an I/O error (werror/rerror=stop) instead of reporting
 * it, so a fenced host's guest freezes rather than corrupting its file systems.
 */
export function diskDeviceProps(d: DiskSpec, at: DiskBusAddress, bootindex?: number): Record<string, string | number> {
  const n = diskNames(d.volumeId);
  return {
    driver: 'virtio-blk-pci', id: n.device, drive: n.filterNode, bus: at.bus, addr: at.addr, serial: d.serial,
    ...(d.rbd ? { werror: 'stop', rerror: 'stop' } : {}),
    ...(bootindex !== undefined ? { bootindex } : {}),
  };
}

/** `driver,key=value,…` for -device (values here never contain commas: ids, slots and serials are checked). */
export function deviceOption(props: Record<string, string | number>): string {
  const { driver, ...rest } = props;
  return [String(driver), ...Object.entries(rest).map(([k, v]) => `${k}=${v}`)].join(',');
}
