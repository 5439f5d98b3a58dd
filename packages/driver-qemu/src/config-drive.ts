/**
 * The NoCloud config drive: an ISO 9660 image with volume id `cidata` (Joliet and
 * Rock Ridge names) holding `meta-data`, `user-data` and, when given,
 * `network-config`, which is what cloud-init's nocloud datasource and the tiny guest
 * look for. Built with genisoimage (Debian package genisoimage).
 *
 * The files are written into a private temporary directory next to the image,
 * genisoimage writes the image there, and a rename puts it in place: a reader never
 * sees half an image, and a failed build leaves the previous image (and no temporary
 * files) behind. The image holds user data, so it is readable by its owner only.
 */
import { ProgramError, runProgram } from '@kumo/host-exec';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DriverError, type ConfigDriveSpec } from '@kumo/core';
import { configDriveFiles, genisoimageArgs, GENISOIMAGE_PACKAGE } from './config-drive-files.ts';

const BUILD_TIMEOUT_MS = 30_000;

export interface BuildConfigDriveOptions {
  /** Default 'genisoimage'. */
  genisoimage?: string;
}

async function run(binary: string, args: string[]): Promise<void> {
  try {
    await runProgram([binary, ...args], { timeoutMs: BUILD_TIMEOUT_MS });
  } catch (err) {
    if (err instanceof ProgramError && err.failure === 'cannot-start') {
      throw new DriverError(`cannot build the config drive: ${binary} not found (install the Debian package ${GENISOIMAGE_PACKAGE})`, 'start_failed');
    }
    const said = err instanceof ProgramError ? err.output || err.message : String(err);
    throw new DriverError(`cannot build the config drive: ${binary} failed: ${said}`, 'start_failed');
  }
}

function tempPrefix(isoPath: string): string {
  return `.${basename(isoPath)}-`;
}

/** Removes temporary directories an interrupted build left next to isoPath. */
async function removeStaleTemps(isoPath: string): Promise<void> {
  const dir = dirname(isoPath);
  const prefix = tempPrefix(isoPath);
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(prefix)).map((n) => rm(join(dir, n), { recursive: true, force: true })));
}

/** Builds the drive for spec at isoPath (its directory must exist), replacing any earlier one atomically. */
export async function buildConfigDrive(spec: ConfigDriveSpec, isoPath: string, opts: BuildConfigDriveOptions = {}): Promise<void> {
  const files = configDriveFiles(spec);
  await removeStaleTemps(isoPath);
  const tmp = await mkdtemp(join(dirname(isoPath), tempPrefix(isoPath))); // mode 0700
  try {
    const src = join(tmp, 'files');
    const out = join(tmp, 'image.iso');
    await mkdir(src, { mode: 0o700 });
    for (const f of files) await writeFile(join(src, f.name), f.content, { mode: 0o644 });
    await run(opts.genisoimage ?? 'genisoimage', genisoimageArgs(out, src));
    await chmod(out, 0o600);
    await rename(out, isoPath);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Removes the drive and any leftovers of a build. Missing is fine. */
export async function removeConfigDrive(isoPath: string): Promise<void> {
  await rm(isoPath, { force: true });
  await removeStaleTemps(isoPath);
}
