import type { Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';
import type { EventLog } from '../services/event-log.ts';
import type { Notifier } from '../services/notifier.ts';

export interface HostMonitorOptions { heartbeatIntervalMs: number; missedBeatsForDisconnected: number; downAfterMs: number }

/**
 * Host liveness from heartbeats: up → disconnected (beats missed) → down (gone for long), and back
 * to up when a host that is still connected beats again (a slow patch, not a lost agent).
 */
export class HostMonitor {
  /**
   * Several servers: which hosts this server judges (those whose shard it owns) and which are
   * connected (a live server holds their session, from the database); null: every host, and
   * connected means connected to this server.
   */
  liveness: (() => Promise<{ judges(hostId: string): boolean; connected(hostId: string): boolean }>) | null = null;

  constructor(
    private readonly repos: Repos,
    private readonly clock: Clock,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly opts: HostMonitorOptions,
    private readonly isConnected: (hostId: string) => boolean,
  ) {}

  async check(): Promise<void> {
    const now = this.clock.now();
    const staleBefore = new Date(now - this.opts.heartbeatIntervalMs * this.opts.missedBeatsForDisconnected).toISOString();
    const downBefore = new Date(now - this.opts.downAfterMs).toISOString();
    const hosts = await this.repos.db.selectFrom('hosts').select(['id', 'name', 'state', 'lastHeartbeatAt'])
      .where('state', 'in', ['up', 'disconnected', 'down']).execute();
    const cluster = this.liveness ? await this.liveness() : null;
    const connected = cluster ? (id: string) => cluster.connected(id) : this.isConnected;
    for (const h of hosts) {
      if (cluster && !cluster.judges(h.id)) continue;
      const last = h.lastHeartbeatAt ?? '';
      const beating = last >= staleBefore && connected(h.id);
      let next: 'up' | 'disconnected' | 'down' | null = null;
      if (h.state === 'up' && !beating) next = 'disconnected';
      else if (h.state !== 'up' && beating) next = 'up';
      else if (h.state === 'disconnected' && last < downBefore) next = 'down';
      if (!next) continue;
      const r = await this.repos.db.updateTable('hosts').set({ state: next }).where('id', '=', h.id).where('state', '=', h.state).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) continue;
      await this.events.record({
        accountId: 'acct-system', resourceType: 'host', resourceId: h.id, kind: `host.${next}`, severity: next === 'up' ? 'info' : 'warning',
        message: `host ${h.name} is ${next} (last heartbeat ${last || 'never'})`,
      });
      this.notifier.publish({ kind: 'host', id: h.id });
    }
  }
}
