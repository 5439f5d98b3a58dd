/**
 * What to create and write so one QEMU process runs in its own cgroup. Pure: the
 * layout comes from detection (cgroup-manager.ts), the result is a list of steps.
 *
 * cgroup v1 (this CI machine: every controller on its own v1 mount):
 *   <mount of ctrl>/<parent>/<instanceId> for cpu, cpuacct, memory, pids
 * cgroup v2 (production hosts with a unified hierarchy):
 *   <root>/<parent>/<instanceId>, with the controllers enabled in the parents'
 *   cgroup.subtree_control.
 */
import { CPU_PERIOD_US, cpuQuotaUsFor, type InstanceSpec } from '@kumo/core';

export type V1Controller = 'cpu' | 'cpuacct' | 'memory' | 'pids';

export type CgroupLayout =
  /** Mount point (resolved, so co-mounted cpu,cpuacct share one) of each v1 controller found. */
  | { kind: 'v1'; controllers: Partial<Record<V1Controller, string>> }
  /** Root of the unified hierarchy and the controllers it offers. */
  | { kind: 'v2'; root: string; controllers: string[] }
  | { kind: 'none'; reason: string };

export interface CgroupLimits {
  memoryBytes: number;
  /** Microseconds of CPU per period; null = unlimited. */
  cpuQuotaUs: number | null;
  cpuPeriodUs: number;
  pidsMax: number;
}

export type CgroupStep = { op: 'mkdir'; path: string } | { op: 'write'; file: string; value: string };

export interface CgroupPlan {
  /** Applied in order; mkdir of an existing directory is fine. */
  steps: CgroupStep[];
  /** Files the launcher writes its own pid into before exec'ing QEMU. */
  procsFiles: string[];
  /** The instance's own directories, removed (rmdir) after QEMU exits. */
  leafDirs: string[];
  /** memory.oom_control (v1) or memory.events (v2): counts OOM kills. */
  oomFile: string | undefined;
}

const MiB = 1024 * 1024;
/** QEMU's own memory above guest RAM; under TCG mostly the translation cache. */
export const QEMU_MEMORY_OVERHEAD_MIB = 100;

/** `devicesMiB`: what devices add to QEMU's own memory (a display: qemu-argv-display.ts). */
export function cgroupLimitsFor(spec: Pick<InstanceSpec, 'memoryMiB' | 'vcpus' | 'cpuQuota'>, devicesMiB = 0): CgroupLimits {
  return {
    memoryBytes: (spec.memoryMiB + QEMU_MEMORY_OVERHEAD_MIB + devicesMiB) * MiB,
    cpuQuotaUs: cpuQuotaUsFor(spec),
    cpuPeriodUs: CPU_PERIOD_US,
    // vCPU threads, I/O threads, the block layer's worker pool (up to 64 per context)
    pidsMax: 256 + 4 * spec.vcpus,
  };
}

export function planCgroup(layout: CgroupLayout, parent: string, instanceId: string, limits: CgroupLimits): CgroupPlan | null {
  if (layout.kind === 'none') return null;
  const steps: CgroupStep[] = [];
  const procsFiles: string[] = [];
  const leafDirs: string[] = [];
  const write = (file: string, value: string): void => {
    steps.push({ op: 'write', file, value });
  };

  if (layout.kind === 'v1') {
    const c = layout.controllers;
    const mounts = [...new Set([c.cpu, c.cpuacct, c.memory, c.pids].filter((m): m is string => m !== undefined))];
    for (const m of mounts) {
      steps.push({ op: 'mkdir', path: `${m}/${parent}` }, { op: 'mkdir', path: `${m}/${parent}/${instanceId}` });
      leafDirs.push(`${m}/${parent}/${instanceId}`);
      procsFiles.push(`${m}/${parent}/${instanceId}/cgroup.procs`);
    }
    if (c.cpu) {
      const d = `${c.cpu}/${parent}/${instanceId}`;
      write(`${d}/cpu.cfs_period_us`, String(limits.cpuPeriodUs));
      write(`${d}/cpu.cfs_quota_us`, String(limits.cpuQuotaUs ?? -1));
    }
    if (c.memory) write(`${c.memory}/${parent}/${instanceId}/memory.limit_in_bytes`, String(limits.memoryBytes));
    if (c.pids) write(`${c.pids}/${parent}/${instanceId}/pids.max`, String(limits.pidsMax));
    const oomFile = c.memory ? `${c.memory}/${parent}/${instanceId}/memory.oom_control` : undefined;
    return { steps, procsFiles, leafDirs, oomFile };
  }

  const want = ['cpu', 'memory', 'pids'].filter((x) => layout.controllers.includes(x));
  const enable = want.map((x) => `+${x}`).join(' ');
  const parentDir = `${layout.root}/${parent}`;
  const leaf = `${parentDir}/${instanceId}`;
  if (enable) write(`${layout.root}/cgroup.subtree_control`, enable);
  steps.push({ op: 'mkdir', path: parentDir });
  if (enable) write(`${parentDir}/cgroup.subtree_control`, enable);
  steps.push({ op: 'mkdir', path: leaf });
  if (want.includes('cpu')) write(`${leaf}/cpu.max`, `${limits.cpuQuotaUs ?? 'max'} ${limits.cpuPeriodUs}`);
  if (want.includes('memory')) write(`${leaf}/memory.max`, String(limits.memoryBytes));
  if (want.includes('pids')) write(`${leaf}/pids.max`, String(limits.pidsMax));
  leafDirs.push(leaf);
  procsFiles.push(`${leaf}/cgroup.procs`);
  return { steps, procsFiles, leafDirs, oomFile: want.includes('memory') ? `${leaf}/memory.events` : undefined };
}

/** Number of OOM kills from memory.oom_control (v1) or memory.events (v2) text. */
export function parseOomKills(text: string): number {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}
