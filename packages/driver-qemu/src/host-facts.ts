/**
 * Host facts for the QEMU driver: CPU model and count from /proc/cpuinfo, memory
 * from /proc/meminfo, QEMU's version from `qemu-system-x86_64 --version`.
 * The parsers are pure; readHostFacts does the I/O.
 */
import { runProgram } from '@kumo/host-exec';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { HostFacts } from '@kumo/core';

export function parseCpuInfo(text: string): { cpuModel: string; cpus: number } {
  const cpus = (text.match(/^processor\s*:/gm) ?? []).length;
  const model = /^model name\s*:\s*(.+)$/m.exec(text)?.[1]?.trim()
    // non-x86 /proc/cpuinfo variants
    ?? /^(?:cpu model|Model|Hardware)\s*:\s*(.+)$/m.exec(text)?.[1]?.trim()
    ?? 'unknown';
  return { cpuModel: model, cpus };
}

export function parseMemTotalMiB(text: string): number {
  const kib = /^MemTotal:\s+(\d+)\s*kB/m.exec(text)?.[1];
  return kib ? Math.floor(Number(kib) / 1024) : 0;
}

/** "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)" → "7.2.22". */
export function parseQemuVersion(text: string): string {
  return /version\s+(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1] ?? 'unknown';
}

export async function qemuVersionOutput(qemuBinary: string): Promise<string> {
  return (await runProgram([qemuBinary, '--version'], { timeoutMs: 10_000 })).stdout;
}

export async function readHostFacts(qemuBinary: string, accelerator: 'kvm' | 'tcg'): Promise<HostFacts> {
  const [cpuinfo, meminfo, version] = await Promise.all([
    readFile('/proc/cpuinfo', 'utf8'),
    readFile('/proc/meminfo', 'utf8'),
    qemuVersionOutput(qemuBinary),
  ]);
  const { cpuModel, cpus } = parseCpuInfo(cpuinfo);
  return {
    hostname: hostname(),
    cpuModel,
    cpus,
    memoryMiB: parseMemTotalMiB(meminfo),
    accelerator,
    hypervisorVersion: parseQemuVersion(version),
  };
}
