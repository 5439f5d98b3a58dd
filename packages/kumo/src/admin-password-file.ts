import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `kumo up` keeps the first admin password: <data dir>/admin-password, 0600. */
export const adminPasswordFile = (dataDir: string): string => join(dataDir, 'admin-password');

/** Written once, at the admin's creation: never overwrites (flag wx), owner-only. */
export function writeAdminPasswordFile(dataDir: string, password: string): void {
  writeFileSync(adminPasswordFile(dataDir), `${password}\n`, { mode: 0o600, flag: 'wx' });
}

/** The stored password if the file exists and `stillValid` accepts it (it is stale after `kumo user passwd`). */
export async function readAdminPasswordFile(dataDir: string, stillValid: (pw: string) => Promise<boolean>): Promise<string | null> {
  const file = adminPasswordFile(dataDir);
  if (!existsSync(file)) return null;
  const pw = readFileSync(file, 'utf8').trim();
  return (await stillValid(pw)) ? pw : null;
}
