/**
 * Finding the host programs and files the build needs, with errors that name the
 * Debian package to install.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export class MissingDebianPackageError extends Error {
  constructor(readonly debianPackage: string, what: string) {
    super(`${debianPackage} is not installed: apt-get install -y ${debianPackage} (${what})`);
    this.name = 'MissingDebianPackageError';
  }
}

const sbinDirs = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable on PATH or in the sbin directories, or null. */
export function findExecutable(name: string, pathEnv = process.env['PATH'] ?? ''): string | null {
  const dirs = [...new Set([...pathEnv.split(delimiter).filter((d) => d !== ''), ...sbinDirs])];
  for (const d of dirs) {
    const candidate = join(d, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Like findExecutable, but throws a MissingDebianPackageError naming the package. */
export function requireExecutable(name: string, debianPackage: string): string {
  const found = findExecutable(name);
  if (!found) throw new MissingDebianPackageError(debianPackage, `no ${name} on PATH or in /usr/sbin, /sbin`);
  return found;
}
