import type { SchedulerHost } from '@kumo/core';
import type { Database, PoolRow } from '@kumo/db';
import type { Kysely } from 'kysely';

/** Which hosts to read: a zone's, some by id, or (neither) every host. */
export interface SchedulerHostFilter { zoneId?: string; hostIds?: readonly string[] }

/**
 * Hosts as the scheduler sees them, read from the database with their clusters' overcommit, their
 * effective dedication and their pools (local ones and their cluster's shared ones). All states: the host-state filter counts the
 * ones it removes.
 */
export async function readSchedulerHosts(db: Kysely<Database>, filter: SchedulerHostFilter = {}): Promise<SchedulerHost[]> {
  if (filter.hostIds?.length === 0) return [];
  // A host's dedication is its own, else its cluster's, pod's or zone's (the nearest one set).
  let hostQuery = db.selectFrom('hosts').innerJoin('clusters as dc', 'dc.id', 'hosts.clusterId').innerJoin('pods as dp', 'dp.id', 'hosts.podId')
    .innerJoin('zones as dz', 'dz.id', 'hosts.zoneId').selectAll('hosts')
    .select((eb) => eb.fn.coalesce('hosts.dedicatedAccountId', 'dc.dedicatedAccountId', 'dp.dedicatedAccountId', 'dz.dedicatedAccountId').as('effectiveDedicatedAccountId'));
  if (filter.zoneId !== undefined) hostQuery = hostQuery.where('hosts.zoneId', '=', filter.zoneId);
  if (filter.hostIds !== undefined) hostQuery = hostQuery.where('hosts.id', 'in', [...filter.hostIds]);
  const hosts = await hostQuery.execute();
  if (hosts.length === 0) return [];
  const byId = filter.hostIds !== undefined;
  const clusterIds = [...new Set(hosts.map((h) => h.clusterId))];
  let clusterQuery = db.selectFrom('clusters').select(['id', 'cpuOvercommit', 'memoryOvercommit']);
  let poolQuery = db.selectFrom('pools').selectAll();
  let sharedPools: Promise<PoolRow[]> = Promise.resolve([]);
  if (byId) {
    clusterQuery = clusterQuery.where('id', 'in', clusterIds);
    // Two queries, each on its index: one OR of both scanned every pool (4 ms a placement at 2,000 hosts).
    poolQuery = poolQuery.where('hostId', 'in', hosts.map((h) => h.id));
    sharedPools = db.selectFrom('pools').selectAll().where('clusterId', 'in', clusterIds).where('hostId', 'is', null).execute();
  } else if (filter.zoneId !== undefined) {
    clusterQuery = clusterQuery.where('zoneId', '=', filter.zoneId);
    poolQuery = poolQuery.where('zoneId', '=', filter.zoneId);
  }
  const [clusters, ownPools, clusterPools] = await Promise.all([clusterQuery.execute(), poolQuery.execute(), sharedPools]);
  const pools = [...ownPools, ...clusterPools];
  const clusterById = new Map(clusters.map((c) => [c.id, c]));
  const local = new Map<string, typeof pools>();
  const shared = new Map<string, typeof pools>();
  for (const p of pools) {
    const m = p.hostId ? local : shared;
    const k = p.hostId ?? p.clusterId;
    const list = m.get(k) ?? [];
    list.push(p); m.set(k, list);
  }
  return hosts.map((h) => {
    const c = clusterById.get(h.clusterId);
    return {
      id: h.id, zoneId: h.zoneId, podId: h.podId, clusterId: h.clusterId, hypervisor: h.hypervisor,
      // The scheduler sees one state: a host that is not enabled is as unplaceable as one that is not up.
      state: h.adminState === 'enabled' ? h.state : h.adminState === 'disabled' ? 'disabled' : 'maintenance',
      cpus: h.cpus, memoryMiB: h.memoryMiB, cpuAllocated: h.cpuAllocated, memoryAllocatedMiB: h.memoryAllocatedMiB,
      cpuOvercommit: c?.cpuOvercommit ?? 1, memoryOvercommit: c?.memoryOvercommit ?? 1,
      tags: JSON.parse(h.tags) as string[], dedicatedAccountId: h.effectiveDedicatedAccountId ?? null,
      pools: [...(local.get(h.id) ?? []), ...(shared.get(h.clusterId) ?? [])].map((p) => ({
        id: p.id, kind: p.kind === 'local' ? 'local' : 'shared', capacityGiB: p.capacityGiB, allocatedGiB: p.allocatedGiB, overcommit: p.overcommit,
      })),
    };
  });
}
