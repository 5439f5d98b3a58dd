import type { DiskLimits, DiskSpec } from '@kumo/core';
import type { ImageRef, PoolRef } from '@kumo/api';
import type { DiskOfferingRow, PoolRow, Repos, SnapshotRow, VolumeRow } from '@kumo/db';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import { snapshotFileUrl } from '../services/snapshot-service.ts';
import { TerminalError, WaitError } from './errors.ts';

/** How a host reaches a pool (the agent protocol's PoolRef). */
export function poolRefOf(pool: PoolRow): PoolRef {
  if (pool.kind === 'rbd') {
    if (!pool.rbdPool || !pool.cephUser || !pool.cephConf) throw new TerminalError('operation_failed', `rbd pool ${pool.name} lacks its Ceph pool, user or ceph.conf`);
    return { kind: 'rbd', pool: pool.rbdPool, user: pool.cephUser, cephConf: pool.cephConf };
  }
  return { kind: 'directory', path: pool.path };
}

/** The RBD image of a volume: what its path label names (`rbd:<pool>/<image>`), else the volume id. */
export function rbdImageOf(v: Pick<VolumeRow, 'id' | 'path'>): string {
  const m = /^rbd:[^/]+\/(.+)$/.exec(v.path);
  return m?.[1] ?? v.id;
}

/** A disk offering's limits as the driver contract has them (only the ones set). */
export function limitsOf(o: DiskOfferingRow | undefined): DiskLimits {
  if (!o) return {};
  const l: DiskLimits = {};
  if (o.readIops) l.readIops = o.readIops;
  if (o.writeIops) l.writeIops = o.writeIops;
  if (o.readBytesPerSec) l.readBytesPerSec = o.readBytesPerSec;
  if (o.writeBytesPerSec) l.writeBytesPerSec = o.writeBytesPerSec;
  return l;
}

/** The DiskSpec of a volume at `pciSlot`: path and format, the RBD source on rbd pools, its offering's limits. */
export async function diskSpecOf(repos: Repos, v: VolumeRow, pciSlot: number, pool?: PoolRow): Promise<DiskSpec> {
  const p = pool ?? await repos.db.selectFrom('pools').selectAll().where('id', '=', v.poolId).executeTakeFirst();
  const offering = v.diskOfferingId ? await repos.db.selectFrom('diskOfferings').selectAll().where('id', '=', v.diskOfferingId).executeTakeFirst() : undefined;
  const limits = limitsOf(offering);
  const spec: DiskSpec = { volumeId: v.id, path: v.path, format: v.format === 'raw' ? 'raw' : 'qcow2', pciSlot, serial: v.serial };
  if (p?.kind === 'rbd') {
    const ref = poolRefOf(p);
    if (ref.kind === 'rbd') spec.rbd = { pool: ref.pool, image: rbdImageOf(v), user: ref.user, cephConf: ref.cephConf };
    spec.format = 'raw';
  }
  if (Object.keys(limits).length > 0) spec.limits = limits;
  return spec;
}

/** An image-store snapshot as an image a host downloads (like image versions). */
export function snapshotImageRef(s: SnapshotRow): ImageRef {
  return { imageVersionId: s.id, url: snapshotFileUrl(s.id), sha256: s.sha256 ?? '', format: s.format, sizeBytes: s.sizeBytes };
}

/**
 * The host that works on a volume no running guest holds: a local pool's own host, else a
 * connected host of the pool's cluster (the instance's host first when it has one).
 */
export async function hostForPool(repos: Repos, gateway: AgentGateway, pool: PoolRow, preferHostId: string | null): Promise<string> {
  if (pool.hostId) {
    if (!gateway.isConnected(pool.hostId)) throw new WaitError(`waiting for host ${pool.hostId} (pool ${pool.name}) to connect`);
    return pool.hostId;
  }
  if (preferHostId && gateway.isConnected(preferHostId)) return preferHostId;
  const hosts = await repos.db.selectFrom('hosts').select('id').where('clusterId', '=', pool.clusterId).where('state', '=', 'up').orderBy('id').execute();
  const up = hosts.find((h) => gateway.isConnected(h.id));
  if (!up) throw new WaitError(`waiting for a host of cluster ${pool.clusterId} (pool ${pool.name}) to connect`);
  return up.id;
}

export async function poolOf(repos: Repos, poolId: string): Promise<PoolRow> {
  const pool = await repos.db.selectFrom('pools').selectAll().where('id', '=', poolId).executeTakeFirst();
  if (!pool) throw new TerminalError('operation_failed', `pool ${poolId} does not exist`);
  return pool;
}
