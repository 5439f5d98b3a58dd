/** Row types of migration 026: the management servers, their shard leases and the host sessions they hold. */

/** One running management server. */
export interface ServerRow {
  id: string;
  /** Where the other servers reach it (http://host:port). */
  address: string;
  /** What another server shows when it relays a call to a host whose session this one holds (random per process). */
  callToken: string;
  startedAt: string;
  /** Renewed every few seconds; older than the lease: the server is gone. */
  heartbeatAt: string;
}

/** A slice of the reconciliation work (resources whose id hashes to `shard`) and its lease. */
export interface WorkShardRow {
  shard: number;
  /** Null: nobody holds it (free to take). */
  ownerServerId: string | null;
  /** Bumped at every change of owner: the fencing token. */
  epoch: number;
  /** The lease ends here unless the owner renews it; null when free. */
  expiresAt: string | null;
}

/** Which server holds a host's agent WebSocket, and the last heartbeat seen on it. */
export interface HostSessionRow {
  hostId: string;
  serverId: string;
  connectedAt: string;
  heartbeatAt: string;
}
