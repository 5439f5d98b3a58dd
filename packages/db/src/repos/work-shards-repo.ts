import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { WorkShardRow } from '../schema-cluster.ts';

/**
 * The leases on slices of the reconciliation work (migration 026). Every change is a conditional
 * update (compare-and-swap on owner and epoch), so two servers racing for a shard cannot both win.
 */
export class WorkShardsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Make sure shards 0..count-1 exist (free); existing rows are left as they are. */
  async ensure(count: number): Promise<void> {
    const rows = Array.from({ length: count }, (_, shard) => ({ shard, ownerServerId: null, epoch: 0, expiresAt: null }));
    for (let i = 0; i < rows.length; i += 500) {
      await this.db.insertInto('workShards').values(rows.slice(i, i + 500)).onConflict((oc) => oc.column('shard').doNothing()).execute();
    }
  }

  async list(): Promise<WorkShardRow[]> {
    return this.db.selectFrom('workShards').selectAll().orderBy('shard').execute();
  }

  /**
   * Take a shard that is free or whose lease ended before `now`, if its epoch is still `seenEpoch`
   * (nobody took it meanwhile). The epoch goes up by one; returns the new epoch, or null when lost.
   */
  async take(shard: number, serverId: string, seenEpoch: number, now: string, expiresAt: string): Promise<number | null> {
    const r = await this.db.updateTable('workShards')
      .set((eb) => ({ ownerServerId: serverId, epoch: eb('epoch', '+', 1), expiresAt }))
      .where('shard', '=', shard).where('epoch', '=', seenEpoch)
      .where((eb) => eb.or([eb('ownerServerId', 'is', null), eb('expiresAt', 'is', null), eb('expiresAt', '<', now)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0 ? seenEpoch + 1 : null;
  }

  /**
   * Extend every lease `serverId` still holds to `expiresAt`; returns those shards with their epochs.
   * A shard another server took is not among them (taking it changed its owner).
   */
  async renewOwned(serverId: string, expiresAt: string): Promise<Array<{ shard: number; epoch: number }>> {
    return this.db.updateTable('workShards').set({ expiresAt }).where('ownerServerId', '=', serverId)
      .returning(['shard', 'epoch']).execute();
  }

  /** Give shards back (free at once), only those `serverId` still holds. */
  async release(serverId: string, shards: number[]): Promise<void> {
    if (shards.length === 0) return;
    await this.db.updateTable('workShards').set({ ownerServerId: null, expiresAt: null })
      .where('ownerServerId', '=', serverId).where('shard', 'in', shards).execute();
  }

  /** The fencing check: does `serverId` hold `shard` at `epoch`, with a lease running past `now`? */
  async holds(shard: number, serverId: string, epoch: number, now: string): Promise<boolean> {
    const r = await this.db.selectFrom('workShards').select('shard')
      .where('shard', '=', shard).where('ownerServerId', '=', serverId).where('epoch', '=', epoch).where('expiresAt', '>', now)
      .executeTakeFirst();
    return r !== undefined;
  }
}
