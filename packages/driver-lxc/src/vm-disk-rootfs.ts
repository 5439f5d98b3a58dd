/**
 * A VM's root file system out of its disk image, read-only and without loop devices or NBD (a host
 * may have neither): `qemu-img convert -O raw` flattens the disk (qcow2, backing chains) into a
 * temporary file, the ext2/3/4 file system is found on it (the whole disk, or the largest Linux
 * partition of an MBR/GPT table, read at its byte offset) and e2fsprogs' `debugfs -R "rdump / DIR"`
 * copies the tree out with its modes, owners, times and symlinks. Device nodes, FIFOs and sockets
 * are not copied (debugfs skips them): a container gets its /dev from LXC (lxc.autodev).
 * The disk image is never written and never mounted.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgramResult } from '@kumo/host-exec';
import { DriverError } from '@kumo/core';
import { runHostProgram } from './host-program.ts';

export interface VmDiskRootfsRequest {
  /** The VM's root disk image (qcow2 or raw; a qcow2's backing chain is followed). */
  disk: string;
  /** Where the tree goes (created; must not exist yet). */
  outDir: string;
  /** A scratch directory for the flattened raw copy (removed afterwards). */
  workDir: string;
}

const LINUX_PARTITION_TYPES = new Set(['83', '0fc63daf-8483-4772-8e79-3d69d8477de4', '4f68bce3-e8cd-4db1-96e7-fbcaf984b709', '44479540-f297-41b2-9af7-d131d5f0458a']);

function run(cmd: string, args: string[], timeoutMs = 600_000): Promise<ProgramResult> {
  return runHostProgram([cmd, ...args], { timeoutMs });
}

interface SfdiskTable { partitiontable?: { sectorsize?: number; partitions?: Array<{ start: number; size: number; type: string }> } }

/** Byte offsets to try, best first: the whole disk, then its Linux partitions, largest first. */
export function fileSystemOffsets(sfdiskJson: string | undefined): number[] {
  if (!sfdiskJson) return [0];
  const t = (JSON.parse(sfdiskJson) as SfdiskTable).partitiontable;
  const sector = t?.sectorsize ?? 512;
  const parts = (t?.partitions ?? []).filter((p) => LINUX_PARTITION_TYPES.has(p.type.toLowerCase())).sort((a, b) => b.size - a.size);
  return [...parts.map((p) => p.start * sector), 0];
}

async function isRootFileSystem(raw: string, offset: number): Promise<boolean> {
  try {
    const r = await run('debugfs', ['-R', 'ls -l /etc', `${raw}?offset=${offset}`], 60_000);
    return /\bpasswd\b/.test(r.stdout) || /\binittab\b|\bos-release\b/.test(r.stdout);
  } catch {
    return false;
  }
}

/** Extracts the VM's root file system into outDir; returns the byte offset it was found at. */
export async function extractVmRootfs(r: VmDiskRootfsRequest): Promise<{ offset: number }> {
  await stat(r.disk).catch(() => { throw new DriverError(`disk: no disk image at ${r.disk}`, 'not_found'); });
  await mkdir(r.workDir, { recursive: true });
  const raw = join(r.workDir, `root-${process.pid}-${Date.now()}.raw`);
  try {
    // -U: read even while another process holds the image's lock (a VM kept running under --keep reads its snapshot's state).
    await run('qemu-img', ['convert', '-U', '-O', 'raw', r.disk, raw]);
    const table = await run('sfdisk', ['-J', raw], 60_000).then((x) => x.stdout, () => undefined);
    let offset: number | undefined;
    for (const o of fileSystemOffsets(table)) {
      if (await isRootFileSystem(raw, o)) { offset = o; break; }
    }
    if (offset === undefined) throw new DriverError(`disk: ${r.disk} holds no ext2/3/4 root file system (no /etc with passwd, inittab or os-release) on the whole disk or a Linux partition`, 'host_failure');
    await mkdir(r.outDir);
    const out = await run('debugfs', ['-R', `rdump / ${r.outDir}`, `${raw}?offset=${offset}`]);
    const errors = out.stderr.split('\n').filter((l) => l.trim() && !/^debugfs \d/.test(l));
    if (errors.length > 0) throw new DriverError(`debugfs rdump of ${r.disk}: ${errors.slice(0, 3).join('; ')}`, 'host_failure');
    return { offset };
  } catch (err) {
    await rm(r.outDir, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(raw, { force: true });
  }
}
