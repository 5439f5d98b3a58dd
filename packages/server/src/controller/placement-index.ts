import { CapacityIndex, type Clock, type SchedulerHost } from '@kumo/core';
import type { Database } from '@kumo/db';
import type { Kysely } from 'kysely';
import { readSchedulerHosts } from './scheduler-hosts.ts';

export interface PlacementIndexOptions {
  /** How often the whole index is re-read from the database (picks up what other servers and other code paths changed). */
  resyncMs: number;
}

export const defaultPlacementIndexOptions: PlacementIndexOptions = { resyncMs: 10_000 };

/** What a placement counts against a host and one of its pools. */
export interface PlacementSize { vcpus: number; memoryMiB: number; diskGiB: number }

/**
 * The server's long-lived CapacityIndex (core/scheduler), so a placement ranks hosts in memory
 * instead of reading every host from the database. The database stays the arbiter: placement
 * re-reads the chosen host and reserves with a conditional UPDATE (HostsRepo.reserve), so a stale
 * index can cost a retry, never an over-commit.
 *
 * Kept consistent by: a full load on first use and every `resyncMs`; the reservations and releases
 * of this server's placements and deletions, counted as they are made (a placement's reservation is
 * counted before its transaction, so concurrent placements see each other, and given back if it
 * fails); a host re-read when a reservation on it lost (another server or code path changed it), and
 * when it is marked changed (host events of this server's notifier).
 */
export class PlacementIndex {
  private index: CapacityIndex | undefined;
  private loadedAt = 0;
  private loading: Promise<CapacityIndex> | undefined;
  private readonly changed = new Set<string>();

  constructor(private readonly db: Kysely<Database>, private readonly clock: Clock, private readonly opts: PlacementIndexOptions = defaultPlacementIndexOptions) {}

  /** The index, loaded or re-synced when due, with the hosts marked changed re-read. */
  async current(): Promise<CapacityIndex> {
    if (!this.index || this.clock.now() - this.loadedAt >= this.opts.resyncMs) return this.resync();
    if (this.changed.size > 0) {
      const ids = [...this.changed];
      this.changed.clear();
      await this.refreshHosts(ids);
    }
    return this.index;
  }

  /** Re-reads every host (one load at a time: callers during a load share it). */
  resync(): Promise<CapacityIndex> {
    this.loading ??= (async () => {
      try {
        const startedAt = this.clock.now();
        this.changed.clear();
        const next = new CapacityIndex(await readSchedulerHosts(this.db));
        this.index = next;
        this.loadedAt = startedAt;
        return next;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  /** A host changed outside this index's own bookkeeping: re-read it before the next placement. */
  markChanged(hostId: string): void {
    if (this.index) this.changed.add(hostId);
  }

  /** Re-reads hosts now (a host gone from the database leaves the index). Returns them as read. */
  async refreshHosts(hostIds: readonly string[], db: Kysely<Database> = this.db): Promise<SchedulerHost[]> {
    const fresh = await readSchedulerHosts(db, { hostIds });
    const index = this.index;
    if (!index) return fresh;
    const seen = new Set<string>();
    for (const host of fresh) {
      index.upsertHost(host);
      seen.add(host.id);
    }
    for (const id of hostIds) if (!seen.has(id)) index.removeHost(id);
    return fresh;
  }

  /** Counts a reservation (no-op for a host or pool the index does not hold: the next re-read has it). */
  reserve(hostId: string, poolId: string, size: PlacementSize): void {
    if (!this.holds(hostId, poolId)) return;
    this.index!.reserve(hostId, poolId, size.vcpus, size.memoryMiB, size.diskGiB);
  }

  /** Gives back a reservation (an empty poolId: the host's CPU and memory only). */
  release(hostId: string, poolId: string, size: PlacementSize): void {
    const index = this.index;
    if (!index?.has(hostId)) return;
    if (poolId === '' || size.diskGiB === 0) {
      const host = index.getHost(hostId);
      const anyPool = host?.pools[0]?.id;
      if (anyPool === undefined) { this.changed.add(hostId); return; }
      index.release(hostId, anyPool, size.vcpus, size.memoryMiB, 0);
      return;
    }
    if (!this.holds(hostId, poolId)) { this.changed.add(hostId); return; }
    index.release(hostId, poolId, size.vcpus, size.memoryMiB, size.diskGiB);
  }

  private holds(hostId: string, poolId: string): boolean {
    return this.index?.hasPool(hostId, poolId) === true;
  }
}
