import type { PoolRef } from '@kumo/api';
import type { HostRow, PoolRow, Repos } from '@kumo/db';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import { leaseFileOf } from './host-lease.ts';
import type { HaSettings } from './ha-settings.ts';

/** An HA instance that cannot be restarted elsewhere, and why. */
export interface Unprotected { instanceId: string; reason: string }

export interface FenceOutcome {
  confirmed: boolean;
  /** How the host was fenced (for the host's record), or what was tried. */
  method: string;
  /** Why fencing is not confirmed (yet). */
  error?: string;
  unprotected: Unprotected[];
}

interface HaVolume { instanceId: string; path: string; pool: PoolRow }

/** The pool as a host reaches it, for agent calls. */
export function poolRefOf(p: PoolRow): PoolRef {
  return p.kind === 'rbd'
    ? { kind: 'rbd', pool: p.rbdPool ?? '', user: p.cephUser ?? 'admin', cephConf: p.cephConf ?? '/etc/ceph/ceph.conf' }
    : { kind: 'directory', path: p.path };
}

/**
 * Storage fencing of a lost host, per pool kind its HA guests' volumes are on, carried out by a
 * healthy host of the same cluster: RBD → the lost host's address on Ceph's blocklist; shared
 * directory → every lease file of those volumes stale (untouched for a whole lease); local → no
 * fencing is possible and the guest cannot be restarted elsewhere (its disk is on the lost host).
 * Confirmed only when every pool is fenced.
 */
export class StorageFencer {
  constructor(private readonly repos: Repos, private readonly gateway: AgentGateway, private readonly callTimeoutMs = 30_000) {}

  /** HA instances the host holds that should run, with their volumes' pools. */
  private async haVolumes(hostId: string): Promise<HaVolume[]> {
    const rows = await this.repos.db.selectFrom('instances').innerJoin('volumes', 'volumes.instanceId', 'instances.id')
      .innerJoin('pools', 'pools.id', 'volumes.poolId')
      .select(['instances.id as instanceId', 'volumes.path as path', 'pools.id as poolId'])
      .where('instances.hostId', '=', hostId).where('instances.ha', '=', 1).where('instances.desired', '=', 'running')
      .where('instances.phase', '!=', 'deleted').where('volumes.phase', '!=', 'deleted').execute();
    const pools = new Map<string, PoolRow>();
    for (const id of new Set(rows.map((r) => r.poolId))) {
      const p = await this.repos.db.selectFrom('pools').selectAll().where('id', '=', id).executeTakeFirst();
      if (p) pools.set(id, p);
    }
    return rows.flatMap((r) => { const pool = pools.get(r.poolId); return pool ? [{ instanceId: r.instanceId, path: r.path, pool }] : []; });
  }

  /** A connected host of the cluster, other than the lost one, to act from. */
  async peerOf(host: Pick<HostRow, 'id' | 'clusterId'>): Promise<string | null> {
    const rows = await this.repos.db.selectFrom('hosts').select(['id', 'fenceState']).where('clusterId', '=', host.clusterId)
      .where('id', '!=', host.id).where('state', '=', 'up').orderBy('name').execute();
    return rows.find((r) => (r.fenceState ?? 'none') === 'none' && this.gateway.isConnected(r.id))?.id ?? null;
  }

  /** HA instances of the host whose disks are on its local pools. */
  async unprotected(hostId: string): Promise<Unprotected[]> {
    const vols = await this.haVolumes(hostId);
    const out = new Map<string, Unprotected>();
    for (const v of vols) {
      if (v.pool.kind === 'local') out.set(v.instanceId, { instanceId: v.instanceId, reason: `its volume ${v.path} is on the local pool ${v.pool.name} of the lost host; only shared (rbd or shared directory) storage lets it restart elsewhere` });
    }
    return [...out.values()];
  }

  async fence(host: HostRow, settings: HaSettings): Promise<FenceOutcome> {
    const vols = await this.haVolumes(host.id);
    const unprotected = await this.unprotected(host.id);
    const methods: string[] = [];
    const rbdPools = new Map<string, PoolRow>();
    const leaseFiles: string[] = [];
    for (const v of vols) {
      if (v.pool.kind === 'rbd') rbdPools.set(v.pool.id, v.pool);
      else if (v.pool.kind === 'shared') leaseFiles.push(leaseFileOf(v.path));
    }
    if (rbdPools.size === 0 && leaseFiles.length === 0) return { confirmed: true, method: 'nothing to fence (no HA guest on shared storage)', unprotected };
    const peer = await this.peerOf(host);
    if (!peer) return { confirmed: false, method: 'none', error: 'no other connected host in the cluster to fence from', unprotected };
    try {
      for (const p of rbdPools.values()) {
        const r = await this.gateway.call(peer, 'storage.fence', { pool: poolRefOf(p), clientAddress: host.address, action: 'add' }, this.callTimeoutMs);
        methods.push(`rbd blocklist of ${host.address} on ${p.name} (${r.detail})`);
      }
      if (leaseFiles.length > 0) {
        const { agesMs } = await this.gateway.call(peer, 'storage.leaseAges', { paths: leaseFiles }, this.callTimeoutMs);
        const fresh = leaseFiles.filter((_, i) => { const a = agesMs[i]; return a !== null && a !== undefined && a < settings.leaseMs; });
        if (fresh.length > 0) {
          return { confirmed: false, method: methods.join('; ') || 'lease files', error: `${fresh.length} volume lease file(s) still renewed within the lease (${fresh[0]}); waiting for them to go stale`, unprotected };
        }
        methods.push(`${leaseFiles.length} volume lease file(s) stale`);
      }
    } catch (e) {
      return { confirmed: false, method: methods.join('; ') || 'none', error: `fencing from host ${peer} failed: ${(e as Error).message}`, unprotected };
    }
    return { confirmed: true, method: methods.join('; '), unprotected };
  }

  /**
   * Let the host back into the storage it was fenced from (after its stale copies are destroyed):
   * take its address off the blocklist of every RBD pool of the cluster.
   */
  async unfence(host: HostRow): Promise<string> {
    const pools = await this.repos.db.selectFrom('pools').selectAll().where('clusterId', '=', host.clusterId).where('kind', '=', 'rbd').execute();
    if (pools.length === 0) return 'nothing to release';
    const peer = await this.peerOf(host);
    if (!peer) throw new Error('no other connected host in the cluster to release the blocklist from');
    const done: string[] = [];
    for (const p of pools) {
      const r = await this.gateway.call(peer, 'storage.fence', { pool: poolRefOf(p), clientAddress: host.address, action: 'remove' }, this.callTimeoutMs);
      done.push(r.detail);
    }
    return done.join('; ');
  }
}
