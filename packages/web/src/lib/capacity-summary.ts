import type { Host, Pool, Zone } from '@kumo/api';

export interface Usage { used: number; total: number }

export interface ZoneCapacity {
  zoneId: string;
  zoneName: string;
  hostCount: number;
  cpus: Usage;
  memoryMiB: Usage;
  storageGiB: Usage;
}

type HostFields = Pick<Host, 'zoneId' | 'cpus' | 'cpuAllocated' | 'memoryMiB' | 'memoryAllocatedMiB'>;
type PoolFields = Pick<Pool, 'zoneId' | 'capacityGiB' | 'allocatedGiB'>;

/** CPU, memory and storage allocated vs total per zone, from the hosts and pools lists. */
export function summarizeZoneCapacity(zones: readonly Pick<Zone, 'id' | 'name'>[], hosts: readonly HostFields[], pools: readonly PoolFields[]): ZoneCapacity[] {
  return zones.map((z) => {
    const zh = hosts.filter((h) => h.zoneId === z.id);
    const zp = pools.filter((p) => p.zoneId === z.id);
    const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
    return {
      zoneId: z.id,
      zoneName: z.name,
      hostCount: zh.length,
      cpus: { used: sum(zh, (h) => h.cpuAllocated), total: sum(zh, (h) => h.cpus) },
      memoryMiB: { used: sum(zh, (h) => h.memoryAllocatedMiB), total: sum(zh, (h) => h.memoryMiB) },
      storageGiB: { used: sum(zp, (p) => p.allocatedGiB), total: sum(zp, (p) => p.capacityGiB) },
    };
  });
}
