import type { Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import { shardOf } from './shard-of.ts';
import type { ServerMembership } from './server-membership.ts';
import type { WorkOwnership } from './work-ownership.ts';

export interface ShardLeaseOptions {
  /** How many slices the work is cut into (more than servers will ever run, so they can share evenly). */
  shards: number;
  /** How long a lease runs unless renewed. */
  leaseMs: number;
  /** How often the owner renews (and balances): a few times per lease. */
  renewEveryMs: number;
  /** This server stops working on a shard this long before its lease could end (clock skew, slow writes). */
  safetyMarginMs: number;
}

export const defaultShardLeaseOptions: ShardLeaseOptions = { shards: 64, leaseMs: 15_000, renewEveryMs: 3_000, safetyMarginMs: 5_000 };

/**
 * Work ownership by shard leases in the database (STYLE.md #20): every tick the server renews the
 * leases it holds, gives back shards beyond its fair share (ceil(shards / live servers)) and takes
 * free or expired ones up to it. Each take is a compare-and-swap on the shard's epoch, so exactly
 * one server wins a shard; the epoch is the fencing token.
 *
 * A server only counts a lease as its own until `renewal start + lease − margin`: when it cannot
 * renew (database gone, process stalled) it stops working on those shards before any other server
 * may take them. Shards given back are first drained for one tick (no new work starts on them).
 */
export class ShardLeases implements WorkOwnership {
  private owned = new Map<number, number>();
  private draining = new Set<number>();
  private validUntil = 0;
  private timer: unknown = null;
  private stopped = false;
  private ticking: Promise<void> | null = null;
  private readonly gainedListeners = new Set<() => void>();

  constructor(
    private readonly repos: Repos,
    private readonly clock: Clock,
    private readonly membership: ServerMembership,
    private readonly log: FastifyBaseLogger,
    readonly opts: ShardLeaseOptions = defaultShardLeaseOptions,
  ) {
    if (opts.safetyMarginMs + opts.renewEveryMs >= opts.leaseMs) throw new Error('shard leases: renewEveryMs + safetyMarginMs must be below leaseMs');
  }

  owns(id: string): boolean {
    if (this.clock.now() >= this.validUntil) return false;
    const s = shardOf(id, this.opts.shards);
    return this.owned.has(s) && !this.draining.has(s);
  }

  /** The fencing token for a resource: its shard and the epoch this server holds it at, or null. */
  leaseOf(id: string): { shard: number; epoch: number } | null {
    const shard = shardOf(id, this.opts.shards);
    const epoch = this.owned.get(shard);
    return epoch === undefined || !this.owns(id) ? null : { shard, epoch };
  }

  /** Ask the database whether this server still holds the resource's shard at its epoch (the write-side fence). */
  async confirm(id: string): Promise<boolean> {
    const lease = this.leaseOf(id);
    if (!lease) return false;
    return this.repos.workShards.holds(lease.shard, this.membership.identity.id, lease.epoch, new Date(this.clock.now()).toISOString());
  }

  ownedShards(): number[] { return this.clock.now() < this.validUntil ? [...this.owned.keys()].filter((s) => !this.draining.has(s)).sort((a, b) => a - b) : []; }

  onGained(fn: () => void): () => void {
    this.gainedListeners.add(fn);
    return () => this.gainedListeners.delete(fn);
  }

  /** Join the server list and take a first share; rounds after it run on tick() (tests drive them by hand). */
  async join(): Promise<void> {
    await this.membership.join();
    await this.repos.workShards.ensure(this.opts.shards);
    await this.tick();
  }

  /** join(), then a round every renewEveryMs on the clock. */
  async start(): Promise<void> {
    await this.join();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.tick().finally(() => this.schedule());
    }, this.opts.renewEveryMs);
  }

  /** One round: renew, heartbeat, give back the surplus, take up to the fair share. Never throws. */
  tick(): Promise<void> {
    this.ticking ??= this.round().catch((e: unknown) => this.log.warn({ err: e }, 'shard lease round failed')).finally(() => { this.ticking = null; });
    return this.ticking;
  }

  private async round(): Promise<void> {
    const me = this.membership.identity.id;
    const start = this.clock.now();
    const expiresAt = new Date(start + this.opts.leaseMs).toISOString();
    const renewed = await this.repos.workShards.renewOwned(me, expiresAt);
    this.owned = new Map(renewed.map((r) => [r.shard, r.epoch]));
    this.validUntil = start + this.opts.leaseMs - this.opts.safetyMarginMs;
    if (this.stopped) return;
    const drained = [...this.draining].filter((s) => this.owned.has(s));
    this.draining.clear();
    if (drained.length > 0) {
      await this.repos.workShards.release(me, drained);
      for (const s of drained) this.owned.delete(s);
    }
    const live = await this.membership.beat();
    const fair = Math.ceil(this.opts.shards / live);
    if (this.owned.size > fair) {
      for (const s of [...this.owned.keys()].sort((a, b) => b - a).slice(0, this.owned.size - fair)) this.draining.add(s);
      return;
    }
    if (this.owned.size === fair) return;
    const now = new Date(this.clock.now()).toISOString();
    const free = (await this.repos.workShards.list()).filter((r) => r.ownerServerId === null || r.expiresAt === null || r.expiresAt < now);
    let gained = 0;
    for (const r of rotate(free, me)) {
      if (this.owned.size >= fair) break;
      const epoch = await this.repos.workShards.take(r.shard, me, r.epoch, now, expiresAt);
      if (epoch !== null) { this.owned.set(r.shard, epoch); gained++; }
    }
    if (gained > 0) {
      this.log.info({ server: me, gained, owned: this.owned.size, live }, 'took shard leases');
      for (const fn of this.gainedListeners) fn();
    }
  }

  /** Stop renewing and give every shard back at once (a clean shutdown hands its work over without waiting for expiry). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    await this.ticking;
    const shards = [...this.owned.keys()];
    this.owned.clear();
    this.validUntil = 0;
    await this.repos.workShards.release(this.membership.identity.id, shards).catch((e: unknown) => this.log.warn({ err: e }, 'releasing shard leases failed'));
    await this.membership.leave().catch((e: unknown) => this.log.warn({ err: e }, 'leaving the server list failed'));
  }
}

/** Start the scan at a place that depends on the server, so servers starting together do not all race for shard 0. */
function rotate<T>(rows: T[], serverId: string): T[] {
  if (rows.length === 0) return rows;
  const at = shardOf(serverId, rows.length);
  return [...rows.slice(at), ...rows.slice(0, at)];
}
