import { ApiError } from '@kumo/api';
import type { HostRow, PoolRow, Repos } from '@kumo/db';

/** Where a volume's file (or RBD image) lives inside its pool. */
export function volumePath(poolPath: string, volumeId: string): string {
  return `${poolPath.replace(/\/+$/, '')}/volumes/${volumeId}`;
}

/** The label an RBD volume carries as its path: `rbd:<pool>/<image>` (the image is named after the volume). */
export function rbdVolumePath(rbdPool: string, volumeId: string): string {
  return `rbd:${rbdPool}/${volumeId}`;
}

/** The path a new volume of `pool` gets. */
export function volumePathIn(pool: Pick<PoolRow, 'kind' | 'path' | 'rbdPool'>, volumeId: string): string {
  return pool.kind === 'rbd' ? rbdVolumePath(pool.rbdPool ?? '', volumeId) : volumePath(pool.path, volumeId);
}

/** Why a host cannot reach a pool, or null when it can: local pools are one host's, shared and rbd pools their cluster's. */
export function poolUnreachableReason(pool: Pick<PoolRow, 'id' | 'name' | 'kind' | 'hostId' | 'clusterId'>, host: Pick<HostRow, 'id' | 'name' | 'clusterId'>): string | null {
  if (pool.kind === 'local') {
    return pool.hostId === host.id ? null : `pool ${pool.name} (${pool.id}) is a local pool of host ${pool.hostId ?? '?'}; host ${host.name} cannot reach it`;
  }
  return pool.clusterId === host.clusterId ? null : `pool ${pool.name} (${pool.id}) is a ${pool.kind} pool of cluster ${pool.clusterId}; host ${host.name} is in cluster ${host.clusterId}`;
}

/** Room left in a pool, counting its overcommit. */
export const poolFreeGiB = (p: Pick<PoolRow, 'capacityGiB' | 'overcommit' | 'allocatedGiB'>): number => p.capacityGiB * p.overcommit - p.allocatedGiB;

/**
 * The pool for a new volume that names none: in the zone, one that fits; pools every host of a
 * cluster reaches (rbd, shared) before a single host's, then the one with the most room.
 */
export async function choosePool(repos: Repos, zoneId: string, sizeGiB: number): Promise<PoolRow> {
  const pools = await repos.db.selectFrom('pools').selectAll().where('zoneId', '=', zoneId).execute();
  const fits = pools.filter((p) => poolFreeGiB(p) >= sizeGiB);
  const rank = (p: PoolRow) => (p.kind === 'local' ? 1 : 0);
  fits.sort((a, b) => rank(a) - rank(b) || poolFreeGiB(b) - poolFreeGiB(a) || a.id.localeCompare(b.id));
  const best = fits[0];
  if (!best) {
    throw new ApiError('no_capacity', `no pool in zone ${zoneId} has ${sizeGiB} GiB free (${pools.length} pools)`, { field: 'sizeGiB', resource: 'pool' });
  }
  return best;
}
