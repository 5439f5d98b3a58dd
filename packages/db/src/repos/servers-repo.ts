import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { HostSessionRow, ServerRow } from '../schema-cluster.ts';

/** The management servers sharing this database, and which of them holds each host's session (migration 026). */
export class ServersRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Add (or refresh) a server's row at start-up. */
  async register(row: ServerRow): Promise<void> {
    await this.db.insertInto('servers').values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet({ address: row.address, callToken: row.callToken, startedAt: row.startedAt, heartbeatAt: row.heartbeatAt }))
      .execute();
  }

  /** Renew a server's heartbeat; false when its row is gone (removed as dead by another server). */
  async heartbeat(id: string, at: string): Promise<boolean> {
    const r = await this.db.updateTable('servers').set({ heartbeatAt: at }).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async get(id: string): Promise<ServerRow | undefined> {
    return this.db.selectFrom('servers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Servers whose heartbeat is at or after `since`, oldest start first. */
  async live(since: string): Promise<ServerRow[]> {
    return this.db.selectFrom('servers').selectAll().where('heartbeatAt', '>=', since).orderBy('startedAt').orderBy('id').execute();
  }

  async all(): Promise<ServerRow[]> {
    return this.db.selectFrom('servers').selectAll().orderBy('startedAt').orderBy('id').execute();
  }

  /** Drop servers whose heartbeat is older than `before` (and the host sessions they held); returns their ids. */
  async removeStale(before: string): Promise<string[]> {
    const gone = await this.db.selectFrom('servers').select('id').where('heartbeatAt', '<', before).execute();
    const ids = gone.map((g) => g.id);
    if (ids.length === 0) return [];
    await this.db.deleteFrom('hostSessions').where('serverId', 'in', ids).execute();
    await this.db.deleteFrom('servers').where('id', 'in', ids).where('heartbeatAt', '<', before).execute();
    return ids;
  }

  /** A server leaving cleanly: its row and its host sessions go. */
  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('hostSessions').where('serverId', '=', id).execute();
    await this.db.deleteFrom('servers').where('id', '=', id).execute();
  }

  /** Record that `serverId` now holds the host's agent session. */
  async holdSession(hostId: string, serverId: string, at: string): Promise<void> {
    await this.db.insertInto('hostSessions').values({ hostId, serverId, connectedAt: at, heartbeatAt: at })
      .onConflict((oc) => oc.column('hostId').doUpdateSet({ serverId, connectedAt: at, heartbeatAt: at }))
      .execute();
  }

  /** A heartbeat on a session this server holds; false when another server holds it now. */
  async sessionHeartbeat(hostId: string, serverId: string, at: string): Promise<boolean> {
    const r = await this.db.updateTable('hostSessions').set({ heartbeatAt: at })
      .where('hostId', '=', hostId).where('serverId', '=', serverId).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** The session ended here (only if this server still holds it). */
  async dropSession(hostId: string, serverId: string): Promise<void> {
    await this.db.deleteFrom('hostSessions').where('hostId', '=', hostId).where('serverId', '=', serverId).execute();
  }

  async session(hostId: string): Promise<HostSessionRow | undefined> {
    return this.db.selectFrom('hostSessions').selectAll().where('hostId', '=', hostId).executeTakeFirst();
  }

  /** Sessions held by servers (other than `exceptServerId`) with a heartbeat at or after `since`, with where to reach them. */
  async liveSessions(since: string, exceptServerId: string): Promise<Array<{ hostId: string; serverId: string; address: string; callToken: string }>> {
    return this.db.selectFrom('hostSessions').innerJoin('servers', 'servers.id', 'hostSessions.serverId')
      .select(['hostSessions.hostId', 'hostSessions.serverId', 'servers.address', 'servers.callToken'])
      .where('servers.heartbeatAt', '>=', since).where('servers.id', '!=', exceptServerId).execute();
  }

  async sessionsOf(serverId: string): Promise<HostSessionRow[]> {
    return this.db.selectFrom('hostSessions').selectAll().where('serverId', '=', serverId).orderBy('hostId').execute();
  }
}
