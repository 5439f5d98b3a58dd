import type { Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';

/**
 * Records in the database which server holds each host's agent session and the heartbeats seen on
 * it (hostSessions, migration 026), so every server judges host liveness from the database and
 * knows where a host's calls must go, never from "not connected to me".
 */
export class HostSessionRecorder {
  constructor(private readonly repos: Repos, private readonly clock: Clock, readonly serverId: string) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  async held(hostId: string): Promise<void> { await this.repos.servers.holdSession(hostId, this.serverId, this.iso()); }

  /** A heartbeat on our session; when another server took the session meanwhile it is left alone. */
  async beat(hostId: string): Promise<void> { await this.repos.servers.sessionHeartbeat(hostId, this.serverId, this.iso()); }

  async dropped(hostId: string): Promise<void> { await this.repos.servers.dropSession(hostId, this.serverId); }

  /** The hosts whose session a server with a heartbeat at or after `since` holds (for the host monitor). */
  async hostsWithLiveSessions(sinceMs: number): Promise<Set<string>> {
    const since = new Date(sinceMs).toISOString();
    const rows = await this.repos.db.selectFrom('hostSessions').innerJoin('servers', 'servers.id', 'hostSessions.serverId')
      .select('hostSessions.hostId').where('servers.heartbeatAt', '>=', since).execute();
    return new Set(rows.map((r) => r.hostId));
  }
}
