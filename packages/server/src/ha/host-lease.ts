import type { Clock } from '@kumo/core';
import type { LeaseMessage } from '@kumo/api';
import type { Repos } from '@kumo/db';
import { zoneHaSettings } from './ha-settings.ts';

/** The lease file beside a volume on a shared directory pool (touched by the host that runs it). */
export const leaseFileOf = (volumePath: string): string => `${volumePath}.lease`;

/**
 * Host leases: a registration and every accepted heartbeat renew the host's lease for the zone's
 * lease duration (hosts.leaseExpiresAt). The answer to a heartbeat tells the agent what it holds:
 * the lease, the HA instances placed on it, the lease files of their volumes on shared pools.
 */
export class HostLeases {
  /**
   * The latest lease end each host's agent was told of (ms). The agent keeps its HA guests until the
   * latest deadline it received, so the server never judges a host lost before that, even when the
   * zone's lease was shortened meanwhile. A host not renewed since this server started falls back to
   * the lease stored in the database (a conservative floor after a restart).
   */
  private readonly told = new Map<string, number>();

  constructor(private readonly repos: Repos, private readonly clock: Clock) {}

  /** Renew the host's lease from now; returns the frame for its agent (renewedAt: the heartbeat's `at`; null: a hello, no frame). */
  async renew(hostId: string, renewedAt: string | null): Promise<LeaseMessage | null> {
    const host = await this.repos.db.selectFrom('hosts').select(['zoneId', 'leaseExpiresAt']).where('id', '=', hostId).executeTakeFirst();
    if (!host) return null;
    const s = await zoneHaSettings(this.repos, host.zoneId);
    const now = this.clock.now();
    const floor = this.told.get(hostId) ?? (host.leaseExpiresAt ? Date.parse(host.leaseExpiresAt) : 0);
    if (renewedAt !== null) this.told.set(hostId, Math.max(floor, now + s.leaseMs));
    else if (!this.told.has(hostId)) this.told.set(hostId, floor);
    await this.repos.db.updateTable('hosts').set({ leaseExpiresAt: new Date(Math.max(floor, now + s.leaseMs)).toISOString() }).where('id', '=', hostId).execute();
    if (renewedAt === null) return null;
    const ha = await this.repos.db.selectFrom('instances').select('id')
      .where('hostId', '=', hostId).where('ha', '=', 1).where('phase', '!=', 'deleted').execute();
    const files = ha.length === 0 ? [] : await this.repos.db.selectFrom('volumes').innerJoin('pools', 'pools.id', 'volumes.poolId')
      .select('volumes.path').where('volumes.instanceId', 'in', ha.map((r) => r.id)).where('pools.kind', '=', 'shared')
      .where('volumes.phase', '!=', 'deleted').execute();
    return {
      type: 'lease', renewedAt, leaseMs: s.leaseMs, marginMs: s.fenceMarginMs,
      haInstanceIds: ha.map((r) => r.id), leaseFiles: files.map((f) => leaseFileOf(f.path)),
    };
  }
}
