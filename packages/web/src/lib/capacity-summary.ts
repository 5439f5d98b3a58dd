import type { Cluster, Host, Pool, Zone } from '@kumo/api';

/**
 * Allocated vs physical capacity; `schedulable` is what the scheduler may hand out (physical × the
 * cluster's overcommit ratio), when it differs from the physical total.
 */
export interface Usage { used: number; total: number; schedulable?: number }

export interface ZoneCapacity {
  zoneId: string;
  zoneName: string;
  hostCount: number;
  cpus: Usage;
  memoryMiB: Usage;
  storageGiB: Usage;
}

type HostFields = Pick<Host, 'zoneId' | 'cpus' | 'cpuAllocated' | 'memoryMiB' | 'memoryAllocatedMiB'> & { clusterId?: string };
type PoolFields = Pick<Pool, 'zoneId' | 'capacityGiB' | 'allocatedGiB'>;
type ClusterFields = Pick<Cluster, 'id' | 'cpuOvercommit' | 'memoryOvercommit'>;

/**
 * CPU, memory and storage allocated vs total per zone, from the hosts, pools and clusters lists.
 * With overcommit, allocation can exceed the physical total: the schedulable total says how far.
 */
export function summarizeZoneCapacity(zones: readonly Pick<Zone, 'id' | 'name'>[], hosts: readonly HostFields[], pools: readonly PoolFields[], clusters: readonly ClusterFields[] = []): ZoneCapacity[] {
  const byId = new Map(clusters.map((c) => [c.id, c]));
  const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
  const usage = (used: number, total: number, schedulable: number): Usage => (schedulable !== total ? { used, total, schedulable } : { used, total });
  return zones.map((z) => {
    const zh = hosts.filter((h) => h.zoneId === z.id);
    const zp = pools.filter((p) => p.zoneId === z.id);
    const ratio = (h: HostFields, k: 'cpuOvercommit' | 'memoryOvercommit') => (h.clusterId ? byId.get(h.clusterId)?.[k] : undefined) ?? 1;
    return {
      zoneId: z.id,
      zoneName: z.name,
      hostCount: zh.length,
      cpus: usage(sum(zh, (h) => h.cpuAllocated), sum(zh, (h) => h.cpus), sum(zh, (h) => h.cpus * ratio(h, 'cpuOvercommit'))),
      memoryMiB: usage(sum(zh, (h) => h.memoryAllocatedMiB), sum(zh, (h) => h.memoryMiB), sum(zh, (h) => h.memoryMiB * ratio(h, 'memoryOvercommit'))),
      storageGiB: { used: sum(zp, (p) => p.allocatedGiB), total: sum(zp, (p) => p.capacityGiB) },
    };
  });
}
