/** Input checks of the RBD pool: ids that become image and snapshot names, and sizes. */
import { StorageError } from '@kumo/storage';

const safeId = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const maxSizeGiB = 64 * 1024;

/** Ids become RBD names; '.', '@' and '/' mean something there (suffixes, snapshots, pools), so they are refused. */
export function assertRbdId(kind: string, id: string): void {
  if (!safeId.test(id)) throw new StorageError('bad-request', `invalid ${kind} id ${JSON.stringify(id)}: 1-100 of [A-Za-z0-9_-]`);
}

export function checkSizeGiB(sizeGiB: number): number {
  if (!Number.isInteger(sizeGiB) || sizeGiB <= 0 || sizeGiB > maxSizeGiB) {
    throw new StorageError('bad-request', `disk size must be a whole number of GiB between 1 and ${maxSizeGiB}, got ${sizeGiB}`);
  }
  return sizeGiB * 1024 ** 3;
}
