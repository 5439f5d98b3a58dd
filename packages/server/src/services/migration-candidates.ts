import { protocolV1Capabilities } from '@kumo/core';
import type { HostRow, InstanceRow, MigrationPolicyRow, PoolRow, Repos, VolumeRow } from '@kumo/db';
import type { MigrationCandidates, MigrationMode } from './migration-types.ts';

/** The instance's volumes with their pools, and which of them live on the source's local pool (they move with it). */
export interface InstanceStorage { volumes: Array<{ volume: VolumeRow; pool: PoolRow }>; localGiB: number; hasLocal: boolean }

export async function instanceStorage(repos: Repos, instanceId: string): Promise<InstanceStorage> {
  const rows = await repos.db.selectFrom('volumes').selectAll().where('instanceId', '=', instanceId).where('phase', '!=', 'deleted').orderBy('id').execute();
  const poolIds = [...new Set(rows.map((v) => v.poolId))];
  const pools = poolIds.length === 0 ? [] : await repos.db.selectFrom('pools').selectAll().where('id', 'in', poolIds).execute();
  const byId = new Map(pools.map((p) => [p.id, p]));
  const volumes = rows.flatMap((v) => { const pool = byId.get(v.poolId); return pool ? [{ volume: v, pool }] : []; });
  const local = volumes.filter((x) => x.pool.kind === 'local');
  return { volumes, localGiB: local.reduce((n, x) => n + x.volume.sizeGiB, 0), hasLocal: local.length > 0 };
}

function capabilitiesOf(h: HostRow): string[] {
  return h.capabilities === null ? [...protocolV1Capabilities] : JSON.parse(h.capabilities) as string[];
}

/** What the instance needs of a host, and what a host has: the checks migration makes, in one place. */
export interface CandidateInput {
  inst: InstanceRow;
  mode: MigrationMode;
  source: HostRow;
  hosts: HostRow[];
  /** Local pool per host id (for disks that move). */
  localPools: Map<string, PoolRow>;
  clusterOvercommit: Map<string, { cpu: number; memory: number }>;
  storage: InstanceStorage;
  policy: MigrationPolicyRow;
  /** Unfinished migrations per host id. */
  busy: Map<string, number>;
  /** Hosts earlier attempts failed on. */
  excluded: readonly string[];
}

/** Why host h cannot take the instance, or null when it can. Pure. */
export function rejectionOf(c: CandidateInput, h: HostRow): string | null {
  const { inst, source, mode, storage } = c;
  if (h.id === source.id) return 'it is the instance\'s current host';
  if (c.excluded.includes(h.id)) return 'an earlier attempt of this migration failed on it';
  if (h.state !== 'up') return `it is ${h.state}`;
  if (h.adminState !== 'enabled') return `it is ${h.adminState}`;
  if (h.hypervisor !== source.hypervisor) return `its hypervisor is ${h.hypervisor}, the instance runs on ${source.hypervisor}`;
  if (h.dedicatedAccountId !== null && h.dedicatedAccountId !== inst.accountId) return 'it is dedicated to another account';
  if (mode === 'live') {
    if (h.cpuModel !== source.cpuModel) return `its CPU model (${h.cpuModel}) differs from the source's (${source.cpuModel})`;
    for (const [who, host] of [['it', h], ['the source', source]] as const) {
      const caps = capabilitiesOf(host);
      if (!caps.includes('live-migrate')) return `${who} lacks the capability live-migrate`;
      if (storage.hasLocal && !caps.includes('live-migrate-local-disks')) return `${who} lacks the capability live-migrate-local-disks (the instance has disks on local storage)`;
    }
  }
  for (const { volume, pool } of storage.volumes) {
    if (pool.kind !== 'local' && pool.clusterId !== h.clusterId) return `it cannot reach pool ${pool.name} of volume ${volume.id} (another cluster)`;
  }
  const oc = c.clusterOvercommit.get(h.clusterId) ?? { cpu: 1, memory: 1 };
  if (h.cpuAllocated + inst.vcpus > h.cpus * oc.cpu) return `not enough free vCPUs (${h.cpus * oc.cpu - h.cpuAllocated} free, ${inst.vcpus} needed)`;
  if (h.memoryAllocatedMiB + inst.memoryMiB > h.memoryMiB * oc.memory) return `not enough free memory (${h.memoryMiB * oc.memory - h.memoryAllocatedMiB} MiB free, ${inst.memoryMiB} MiB needed)`;
  if (storage.hasLocal) {
    const pool = c.localPools.get(h.id);
    if (!pool) return 'it has no local pool for the instance\'s local disks';
    if (pool.allocatedGiB + storage.localGiB > pool.capacityGiB * pool.overcommit) return `its local pool ${pool.name} lacks room (${storage.localGiB} GiB needed)`;
  }
  if ((c.busy.get(h.id) ?? 0) >= c.policy.maxPerHost) return `it takes part in ${c.busy.get(h.id)} migrations already (the zone allows ${c.policy.maxPerHost} per host)`;
  return null;
}

/** Every host of the zone, sorted into candidates (most free memory first) and rejections with their reason. */
export async function findMigrationCandidates(repos: Repos, inst: InstanceRow, mode: MigrationMode, excluded: readonly string[] = []): Promise<MigrationCandidates> {
  const db = repos.db;
  if (!inst.hostId) return { instanceId: inst.id, mode, candidates: [], rejected: [] };
  const [rows, dedicated, pools, clusters, storage, policy, active] = await Promise.all([
    db.selectFrom('hosts').selectAll().where('zoneId', '=', inst.zoneId).orderBy('name').execute(),
    repos.dedications.effectiveByHost(inst.zoneId),
    db.selectFrom('pools').selectAll().where('zoneId', '=', inst.zoneId).where('kind', '=', 'local').execute(),
    db.selectFrom('clusters').select(['id', 'cpuOvercommit', 'memoryOvercommit']).where('zoneId', '=', inst.zoneId).execute(),
    instanceStorage(repos, inst.id),
    repos.migrations.policy(inst.zoneId),
    db.selectFrom('migrations').select(['sourceHostId', 'targetHostId', 'instanceId']).where('state', 'not in', ['succeeded', 'failed', 'cancelled']).execute(),
  ]);
  // A host counts as dedicated when it, its cluster, pod or zone is.
  const hosts = rows.map((h) => ({ ...h, dedicatedAccountId: dedicated.get(h.id) ?? h.dedicatedAccountId }));
  const source = hosts.find((h) => h.id === inst.hostId);
  if (!source) return { instanceId: inst.id, mode, candidates: [], rejected: [] };
  const busy = new Map<string, number>();
  for (const m of active) {
    if (m.instanceId === inst.id) continue; // its own attempt does not count against it
    for (const h of [m.sourceHostId, m.targetHostId]) if (h) busy.set(h, (busy.get(h) ?? 0) + 1);
  }
  const input: CandidateInput = {
    inst, mode, source, hosts, storage, policy, busy, excluded,
    localPools: new Map(pools.filter((p) => p.hostId !== null).map((p) => [p.hostId as string, p])),
    clusterOvercommit: new Map(clusters.map((c) => [c.id, { cpu: c.cpuOvercommit, memory: c.memoryOvercommit }])),
  };
  const ok: HostRow[] = [];
  const rejected: MigrationCandidates['rejected'] = [];
  for (const h of hosts) {
    const reason = rejectionOf(input, h);
    if (reason === null) ok.push(h);
    else if (h.id !== source.id) rejected.push({ hostId: h.id, hostName: h.name, reason });
  }
  ok.sort((a, b) => (b.memoryMiB - b.memoryAllocatedMiB) - (a.memoryMiB - a.memoryAllocatedMiB) || a.name.localeCompare(b.name));
  return { instanceId: inst.id, mode, candidates: ok.map((h) => ({ hostId: h.id, hostName: h.name })), rejected };
}
