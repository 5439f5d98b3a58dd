/**
 * The per-instance UEFI variable store (OVMF VARS): a copy of the firmware's template made at the
 * instance's first start and kept in the instance directory across restarts, so boot entries and
 * Secure Boot keys the guest writes survive a stop. A live migration target gets a fresh copy of the
 * template: QEMU sends the flash contents in the migration stream and writes them back to this file
 * when the migration completes. The file goes with the instance directory when the instance is destroyed.
 */
import { constants } from 'node:fs';
import { copyFile } from 'node:fs/promises';

/** Copies the template to `path` unless the instance already has its variables. True when it made the file. */
export async function prepareEfiVars(path: string, template: string): Promise<boolean> {
  try {
    await copyFile(template, path, constants.COPYFILE_EXCL);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
