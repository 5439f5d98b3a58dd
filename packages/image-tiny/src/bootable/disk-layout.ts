/**
 * Partition layout of the bootable disk images (pure): one boot partition starting at 1 MiB (the
 * gap before it holds GRUB's core.img on a BIOS disk, the GPT on a UEFI disk), as sfdisk input.
 */
export const sectorBytes = 512;
export const bootPartitionStartSector = 2048;

export interface DiskLayout {
  /** The whole image in bytes. */
  diskBytes: number;
  partitionStartSector: number;
  partitionSectors: number;
  /** sfdisk script. */
  sfdiskScript: string;
}

/** MBR (BIOS; partition type 0x0c FAT32 LBA, bootable) or GPT (UEFI; an EFI system partition). */
export function bootDiskLayout(kind: 'bios' | 'uefi', partitionMiB: number): DiskLayout {
  if (!Number.isInteger(partitionMiB) || partitionMiB < 34) throw new Error(`partitionMiB must be an integer ≥ 34 (FAT32), not ${partitionMiB}`);
  const partitionSectors = (partitionMiB * 1024 * 1024) / sectorBytes;
  // GPT keeps a backup header in the last 33 sectors; leave a whole MiB after the partition.
  const diskBytes = (partitionMiB + 2) * 1024 * 1024;
  const line = kind === 'bios'
    ? `start=${bootPartitionStartSector}, size=${partitionSectors}, type=c, bootable`
    : `start=${bootPartitionStartSector}, size=${partitionSectors}, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"`;
  return {
    diskBytes, partitionStartSector: bootPartitionStartSector, partitionSectors,
    sfdiskScript: `label: ${kind === 'bios' ? 'dos' : 'gpt'}\n${line}\n`,
  };
}
