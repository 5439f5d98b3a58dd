import { randomBytes } from 'node:crypto';
import type { Clock } from '@kumo/core';
import type { DatabaseHandle, Repos } from '@kumo/db';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Controller } from '../controller/controller.ts';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import type { Notifier } from '../services/notifier.ts';
import { ChangeRelay } from './change-relay.ts';
import { registerHostCallRoute } from './host-call-route.ts';
import { RemoteHosts } from './remote-hosts.ts';
import { HostSessionRecorder } from './host-session-recorder.ts';
import { ServerMembership } from './server-membership.ts';
import { ShardLeases, defaultShardLeaseOptions, type ShardLeaseOptions } from './shard-leases.ts';

export interface ClusterOptions {
  /** This server's id (default: a fresh one per process, `srv-…`). */
  serverId?: string;
  /** Where the other servers reach this one; default: the address the API listens on. */
  address?: string;
  leases?: Partial<ShardLeaseOptions>;
}

/**
 * One management server among several on one PostgreSQL: its row in `servers`, its shard leases
 * (which resources its controller reconciles), the host sessions it records, and the change feed
 * shared with the others over LISTEN/NOTIFY.
 */
export class ControlPlaneCluster {
  readonly serverId: string;
  readonly leases: ShardLeases;
  readonly sessions: HostSessionRecorder;
  readonly relay: ChangeRelay;
  /** Hosts connected to the other servers, and calls relayed to them. */
  readonly remote: RemoteHosts;
  private readonly membership: ServerMembership;
  private readonly identity: { id: string; address: string; callToken: string };

  constructor(database: DatabaseHandle, repos: Repos, clock: Clock, notifier: Notifier, log: FastifyBaseLogger, opts: ClusterOptions) {
    if (database.dialect !== 'postgres') throw new Error('several management servers need PostgreSQL (KUMO_DATABASE_URL=postgres://…); SQLite runs one server');
    const leaseOpts = { ...defaultShardLeaseOptions, ...opts.leases };
    if (!Number.isInteger(leaseOpts.shards) || leaseOpts.shards < 1) throw new Error(`cluster.leases.shards must be a positive integer, not ${leaseOpts.shards}`);
    this.serverId = opts.serverId ?? `srv-${randomBytes(8).toString('hex')}`;
    this.identity = { id: this.serverId, address: opts.address ?? '', callToken: randomBytes(24).toString('base64url') };
    this.membership = new ServerMembership(repos, clock, this.identity, leaseOpts.leaseMs);
    this.leases = new ShardLeases(repos, clock, this.membership, log, leaseOpts);
    this.sessions = new HostSessionRecorder(repos, clock, this.serverId);
    this.relay = new ChangeRelay(database, notifier, this.serverId, log);
    this.remote = new RemoteHosts(repos, clock, this.serverId, log, { refreshMs: 1_000, serverLivenessMs: leaseOpts.leaseMs });
  }

  /** Gate the controller by the leases, judge hosts from the database, record the sessions the gateway holds. */
  attach(controller: Controller, gateway: AgentGateway, clock: Clock, hostLivenessMs: number): void {
    controller.ownership = this.leases;
    controller.judgeHostsBy(() => this.sessions.hostsWithLiveSessions(clock.now() - hostLivenessMs));
    gateway.sessionRecorder = this.sessions;
    gateway.remote = this.remote;
  }

  /** The route the other servers relay host calls through (after the auth hooks: it checks its own token). */
  registerRoutes(app: FastifyInstance, gateway: AgentGateway): void {
    registerHostCallRoute(app, gateway, this.identity.callToken);
  }

  /** Join (with `address` unless one was given), take a share of the leases, start the fan-out. */
  async start(address: string): Promise<void> {
    if (!this.identity.address) this.identity.address = address;
    await this.relay.start();
    await this.leases.start();
    await this.remote.start();
  }

  async stop(): Promise<void> {
    this.remote.stop();
    await this.leases.stop();
    await this.relay.stop();
  }
}
