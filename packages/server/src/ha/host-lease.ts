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
  constructor(private readonly repos: Repos, private readonly clock: Clock) {}

  /** Renew the host's lease from now; returns the frame for its agent (renewedAt: the heartbeat's `at`). */
  async renew(hostId: string, renewedAt: string): Promise<LeaseMessage | null> {
    const host = await this.repos.db.selectFrom('hosts').select(['zoneId']).where('id', '=', hostId).executeTakeFirst();
    if (!host) return null;
    const s = await zoneHaSettings(this.repos, host.zoneId);
    const now = this.clock.now();
    await this.repos.db.updateTable('hosts').set({ leaseExpiresAt: new Date(now + s.leaseMs).toISOString() }).where('id', '=', hostId).execute();
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
