import type { Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';

export interface ServerIdentity {
  /** Unique per process (a restarted server is a new member). */
  id: string;
  /** Where the other servers reach this one (http://host:port). */
  address: string;
  /** The token relayed host calls must carry (random per process). */
  callToken: string;
}

/**
 * This server's row in `servers`: written at start, its heartbeat renewed by the lease loop, removed
 * at a clean stop. A server whose heartbeat is older than the lease is not counted as live; one gone
 * for three leases is removed (with the host sessions it held) by whichever server notices.
 */
export class ServerMembership {
  private startedAt = '';

  constructor(
    private readonly repos: Repos,
    private readonly clock: Clock,
    readonly identity: ServerIdentity,
    private readonly leaseMs: number,
  ) {}

  private iso(ms = this.clock.now()): string { return new Date(ms).toISOString(); }

  async join(): Promise<void> {
    this.startedAt = this.iso();
    await this.repos.servers.register({ id: this.identity.id, address: this.identity.address, callToken: this.identity.callToken, startedAt: this.startedAt, heartbeatAt: this.startedAt });
  }

  /** Renew the heartbeat (re-registering when another server removed the row as dead); returns the live servers. */
  async beat(): Promise<number> {
    const now = this.clock.now();
    const at = this.iso(now);
    if (!(await this.repos.servers.heartbeat(this.identity.id, at))) {
      await this.repos.servers.register({ id: this.identity.id, address: this.identity.address, callToken: this.identity.callToken, startedAt: this.startedAt || at, heartbeatAt: at });
    }
    await this.repos.servers.removeStale(this.iso(now - 3 * this.leaseMs));
    const live = await this.repos.servers.live(this.iso(now - this.leaseMs));
    return Math.max(1, live.length);
  }

  async leave(): Promise<void> {
    await this.repos.servers.remove(this.identity.id);
  }
}
