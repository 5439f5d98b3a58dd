/** Test images made with qemu-img and qemu-io (Debian package qemu-utils). */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function sh(file: string, args: string[]): Promise<string> {
  return (await run(file, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
}

/** A qcow2 image of `virtual` size with `pattern` bytes written over [offset, offset+length). */
export async function makeQcow2(path: string, virtual: string, writes: Array<{ pattern: number; offset: string; length: string }> = []): Promise<void> {
  await sh('qemu-img', ['create', '-q', '-f', 'qcow2', path, virtual]);
  for (const w of writes) await sh('qemu-io', ['-f', 'qcow2', '-c', `write -P ${w.pattern} ${w.offset} ${w.length}`, path]);
}

/** Fails unless [offset, offset+length) of the image reads as `pattern`. */
export async function assertPattern(path: string, format: 'qcow2' | 'raw', pattern: number, offset: string, length: string): Promise<void> {
  const out = await sh('qemu-io', ['-r', '-U', '-f', format, '-c', `read -P ${pattern} ${offset} ${length}`, path]);
  if (/Pattern verification failed|fail/i.test(out)) throw new Error(`${path} at ${offset}: not pattern ${pattern}: ${out}`);
}

export async function writePattern(path: string, format: 'qcow2' | 'raw', pattern: number, offset: string, length: string): Promise<void> {
  await sh('qemu-io', ['-f', format, '-c', `write -P ${pattern} ${offset} ${length}`, path]);
}

export interface ChainEntry { filename: string; format: string; 'virtual-size': number; 'backing-filename'?: string; 'full-backing-filename'?: string }

export async function backingChain(path: string): Promise<ChainEntry[]> {
  return JSON.parse(await sh('qemu-img', ['info', '-U', '--backing-chain', '--output=json', path])) as ChainEntry[];
}

export async function sha256Of(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}
