/**
 * What Kumo names in an RBD pool (docs/operators.md lists them for operators):
 *
 *   <volumeId>                    a volume (root or data disk)
 *   <volumeId>.partial            a volume being made; renamed into place when complete
 *   <volumeId>.deleted            a deleted volume kept for its snapshots; removed with the last one
 *   <volumeId>@<snapshotId>       a snapshot (protected while volumes are cloned from it)
 *   <volumeId>@kumo-pre-rollback  the contents before a rollback from a file, until it completes
 *   kumo-base.<imageVersionId>    an image's base, imported once per pool, with its protected
 *                                 snapshot @kumo-base that root disks are layered clones of
 *   kumo-base.<id>.lock           a host is importing that base (exclusive create)
 *   kumo-base.<id>.<host>.<pid>.partial  that import's work image
 */
import { hostname } from 'node:os';

export const baseSnapshot = 'kumo-base';
export const preRollbackSnapshot = 'kumo-pre-rollback';

export const rbdNames = {
  volume: (volumeId: string) => volumeId,
  partial: (volumeId: string) => `${volumeId}.partial`,
  hidden: (volumeId: string) => `${volumeId}.deleted`,
  base: (imageVersionId: string) => `kumo-base.${imageVersionId}`,
  baseLock: (imageVersionId: string) => `kumo-base.${imageVersionId}.lock`,
  baseWork: (imageVersionId: string, seq: number) => `kumo-base.${imageVersionId}.${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}.${process.pid}.${seq}.partial`,
  /** Snapshots Kumo makes for itself, never a user's. */
  isInternalSnapshot: (name: string) => name.startsWith('kumo-'),
  /** Images that are not volumes (bases, work images, hidden volumes). */
  isVolume: (image: string) => !image.startsWith('kumo-base.') && !image.endsWith('.partial') && !image.endsWith('.deleted'),
};
