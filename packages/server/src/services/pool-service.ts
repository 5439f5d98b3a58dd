import { newId, type Clock } from '@kumo/core';
import { ApiError, type PoolCreate } from '@kumo/api';
import type { PoolRow, Repos, Scope } from '@kumo/db';
import { uniquely } from './unique-insert.ts';

/**
 * A primary storage pool: `local` (a directory on one host), `shared` (the same directory mounted on
 * every host of a cluster) or `rbd` (a Ceph pool every host of the cluster reaches with its
 * ceph.conf and the keyring of `cephUser`). Checked field by field; nothing is written on an error.
 */
export async function createPool(repos: Repos, clock: Clock, scope: Scope, b: PoolCreate): Promise<PoolRow> {
  const cl = await repos.clusters.get(scope, b.clusterId);
  if (!cl) throw new ApiError('bad_request', `cluster ${b.clusterId} does not exist`, { field: 'clusterId' });
  if (b.kind === 'local' && !b.hostId) throw new ApiError('bad_request', 'a local pool belongs to one host: hostId is required', { field: 'hostId' });
  if (b.kind !== 'local' && b.hostId) throw new ApiError('bad_request', `a ${b.kind} pool belongs to the whole cluster: leave hostId out`, { field: 'hostId' });
  if (b.kind !== 'rbd' && !b.path) throw new ApiError('bad_request', `a ${b.kind} pool is a directory: path is required`, { field: 'path' });
  if (b.kind === 'rbd' && !b.rbdPool) throw new ApiError('bad_request', 'an rbd pool names its Ceph pool: rbdPool is required', { field: 'rbdPool' });
  if (b.kind !== 'rbd') {
    for (const f of ['rbdPool', 'cephUser', 'cephConf'] as const) {
      if (b[f] !== undefined) throw new ApiError('bad_request', `${f} is for rbd pools only`, { field: f });
    }
  }
  if (b.hostId) {
    const h = await repos.hosts.get(scope, b.hostId);
    if (!h || h.clusterId !== cl.id) throw new ApiError('bad_request', `host ${b.hostId} is not in cluster ${cl.name}`, { field: 'hostId' });
  }
  const rbd = b.kind === 'rbd' ? { rbdPool: b.rbdPool!, cephUser: b.cephUser ?? 'admin', cephConf: b.cephConf ?? '/etc/ceph/ceph.conf' } : { rbdPool: null, cephUser: null, cephConf: null };
  const row: PoolRow = {
    id: newId('pool', clock.now()), zoneId: cl.zoneId, clusterId: cl.id, hostId: b.hostId ?? null, name: b.name, kind: b.kind,
    path: b.kind === 'rbd' ? `rbd:${rbd.rbdPool}` : b.path!, capacityGiB: b.capacityGiB, allocatedGiB: 0, usedGiB: 0, overcommit: b.overcommit ?? 1,
    createdAt: new Date(clock.now()).toISOString(), ...rbd,
  };
  await uniquely('name', `pool ${b.name} in this cluster`, () => repos.pools.insert(row));
  return row;
}
