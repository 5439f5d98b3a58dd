/**
 * The read-only base of containers' overlay roots: a root-fs tarball image unpacked once per
 * (image version, id map) into a pool directory, with its owners shifted into the id map so an
 * unprivileged container's root owns its files. Every container of that image shares the base;
 * its own writes go to its overlay upper (constant-time clone: no copy per container).
 *
 *   <baseDir>/<key>[-u<hostUid>]      the unpacked, shifted tree (appears complete or not at all)
 */
import { lchown, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DriverError } from '@kumo/core';
import { exists } from './container-files.ts';
import { runHostProgram } from './host-program.ts';
import type { IdMap } from './lxc-config.ts';

export interface RootfsBaseRequest {
  /** The root-fs tarball (tar, tar.gz or tar.xz; tar detects the compression). */
  tarball: string;
  /** The pool's directory of bases. */
  baseDir: string;
  /** Names the base: the image version id (or its content hash). [A-Za-z0-9_.-]. */
  key: string;
  idmap: IdMap | null;
}

const inFlight = new Map<string, Promise<string>>();

/** The base directory for the request, unpacking it first if it is not there yet. Concurrent calls share one unpack. */
export function ensureRootfsBase(r: RootfsBaseRequest): Promise<string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(r.key)) return Promise.reject(new DriverError(`key: [A-Za-z0-9_.-], got '${r.key}'`, 'host_failure'));
  const target = join(r.baseDir, r.idmap ? `${r.key}-u${r.idmap.hostUid}` : r.key);
  let p = inFlight.get(target);
  if (!p) {
    p = unpack(r, target).finally(() => inFlight.delete(target));
    inFlight.set(target, p);
  }
  return p;
}

async function unpack(r: RootfsBaseRequest, target: string): Promise<string> {
  if (await exists(target)) return target;
  await mkdir(r.baseDir, { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  try {
    await mkdir(tmp);
    await tar(['-xpf', r.tarball, '-C', tmp, '--numeric-owner']);
    if (r.idmap) await shiftOwners(tmp, r.idmap);
    await rename(tmp, target);
    return target;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err instanceof DriverError ? err : new DriverError(`unpacking ${r.tarball}: ${(err as Error).message}`, 'host_failure');
  }
}

/** Moves every owner into the id map (uid u → hostUid + u), symlinks included. */
async function shiftOwners(root: string, m: IdMap): Promise<void> {
  const walk = async (path: string): Promise<void> => {
    const st = await lstat(path);
    if (st.uid >= m.count || st.gid >= m.count) throw new DriverError(`${path}: owner ${st.uid}:${st.gid} is outside the container's id map (${m.count} ids)`, 'host_failure');
    await lchown(path, m.hostUid + st.uid, m.hostGid + st.gid);
    if (st.isDirectory()) for (const n of await readdir(path)) await walk(join(path, n));
  };
  await walk(root);
}

async function tar(args: string[]): Promise<void> {
  await runHostProgram(['tar', ...args]);
}

/** Removes a base no container uses any more (the caller knows which). */
export async function removeRootfsBase(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
