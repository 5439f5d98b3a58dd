/**
 * KVM → LXC, the host's part: a VM's root disk becomes a root-fs tarball (the form of Kumo's
 * container images, 'rootfs-tar'), so the container is made by the same machinery as any other
 * (unpacked once per pool into a base with owners shifted into the id map, overlay per container).
 * Read-only on the disk (vm-disk-rootfs.ts), adapted for a container (vm-rootfs-adapt.ts); every
 * temporary file is removed, also on failure.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { extractVmRootfs } from './vm-disk-rootfs.ts';
import { adaptVmRootfs, type AdaptNic } from './vm-rootfs-adapt.ts';
import { runHostProgram } from './host-program.ts';

export interface VmRootfsTarRequest {
  disk: string;
  /** The tarball to write (replaced atomically). */
  outTar: string;
  /** Scratch space (a directory of its own is made in it and removed). */
  workDir: string;
  nics: readonly AdaptNic[];
}

export interface VmRootfsTarResult {
  /** Byte offset of the file system on the disk (0: a partitionless disk). */
  offset: number;
  /** Guest paths the adaptation changed or removed. */
  adapted: string[];
}

export async function rootfsTarFromVmDisk(r: VmRootfsTarRequest): Promise<VmRootfsTarResult> {
  const scratch = join(r.workDir, `vm-rootfs-${process.pid}-${Date.now()}`);
  await mkdir(scratch, { recursive: true });
  const tree = join(scratch, 'tree');
  const tmpTar = `${r.outTar}.tmp-${process.pid}`;
  try {
    const { offset } = await extractVmRootfs({ disk: r.disk, outDir: tree, workDir: scratch });
    const { changed } = await adaptVmRootfs(tree, r.nics);
    await runHostProgram(['tar', '-C', tree, '--sort=name', '--numeric-owner', '-cf', tmpTar, '.'], { what: `tar of ${r.disk}'s root file system` });
    await rename(tmpTar, r.outTar);
    return { offset, adapted: changed };
  } finally {
    await rm(tmpTar, { force: true });
    await rm(scratch, { recursive: true, force: true });
  }
}
