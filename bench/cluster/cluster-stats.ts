/** Pure figures of the cluster bench (tested in cluster-stats.test.ts). */

/** The q-quantile (0..1) of the values, nearest rank; 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export interface HostUse { name: string; cpus: number; memoryMiB: number; cpuOvercommit: number; memoryOvercommit: number; cpuAllocated: number; memoryAllocatedMiB: number; boundVcpus: number; boundMemoryMiB: number }

/**
 * Hosts whose reservations exceed their room, or disagree with the instances bound to them
 * (a reservation lost or counted twice): each with the reason. Empty: no over-commit.
 */
export function overCommitted(hosts: readonly HostUse[]): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    if (h.cpuAllocated > h.cpus * h.cpuOvercommit) out.push(`${h.name}: ${h.cpuAllocated} vCPUs reserved of ${h.cpus * h.cpuOvercommit}`);
    else if (h.memoryAllocatedMiB > h.memoryMiB * h.memoryOvercommit) out.push(`${h.name}: ${h.memoryAllocatedMiB} MiB reserved of ${h.memoryMiB * h.memoryOvercommit}`);
    else if (h.boundVcpus !== h.cpuAllocated || h.boundMemoryMiB !== h.memoryAllocatedMiB) {
      out.push(`${h.name}: reserved ${h.cpuAllocated} vCPUs / ${h.memoryAllocatedMiB} MiB, its instances ${h.boundVcpus} / ${h.boundMemoryMiB}`);
    }
  }
  return out;
}
