import type { Kysely } from 'kysely';
import { newId } from '@kumo/core';
import type { Database, InstanceRow, OwnerKind, SnapshotRow, UsageEventRow, UsageMeter, VolumeRow } from '../schema.ts';

/** A meter's level for one resource: from `at` on it stands at `quantity`. */
export interface UsageLevel { meter: UsageMeter; quantity: number; offeringId?: string | null }

/** What an instance row means for usage: allocated while it exists, running while it runs (per offering). */
export function instanceLevels(row: Pick<InstanceRow, 'phase' | 'offeringId'>): UsageLevel[] {
  return [
    { meter: 'instance.allocated', quantity: row.phase === 'deleted' ? 0 : 1, offeringId: row.offeringId },
    { meter: 'instance.running', quantity: row.phase === 'running' ? 1 : 0, offeringId: row.offeringId },
  ];
}
/** A volume counts its size (GiB) until it is deleted. */
export function volumeLevels(row: Pick<VolumeRow, 'phase' | 'sizeGiB'> | undefined): UsageLevel[] {
  return [{ meter: 'volume.gib', quantity: row && row.phase !== 'deleted' ? row.sizeGiB : 0 }];
}
/** A snapshot counts the size of the volume it was taken of (GiB) until it is deleted. */
export function snapshotLevels(row: Pick<SnapshotRow, 'phase' | 'sizeGiB'> | undefined): UsageLevel[] {
  return [{ meter: 'snapshot.gib', quantity: row && row.phase !== 'deleted' ? row.sizeGiB : 0 }];
}

export interface UsageSubject { ownerKind?: OwnerKind; ownerId: string; resourceType: string; resourceId: string }

/**
 * Run `fn` in a transaction: `db` itself when it is one, a new one otherwise. Usage events are
 * written in the same transaction as the state change they follow, or not at all.
 */
export async function inTransaction<R>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<R>): Promise<R> {
  if (db.isTransaction) return fn(db);
  return db.transaction().execute(fn);
}

/**
 * Usage events: the durable history metered usage is computed from. Repositories whose writes
 * change what is metered (instances, volumes, snapshots, public IPs, networks) call `record` in
 * the transaction of the write; levels equal to the last recorded ones are not written again.
 */
export class UsageEventsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async record(db: Kysely<Database>, subject: UsageSubject, levels: readonly UsageLevel[], atIso: string): Promise<void> {
    const last = await this.lastLevels(subject.resourceId, db);
    const atMs = Date.parse(atIso);
    for (const l of levels) {
      const prev = last.get(l.meter);
      if (prev ? prev.quantity === l.quantity && prev.offeringId === (l.offeringId ?? null) : l.quantity === 0) continue;
      const row: UsageEventRow = {
        id: newId('usageEvent', Number.isFinite(atMs) ? atMs : Date.now()), ownerKind: subject.ownerKind ?? 'account', ownerId: subject.ownerId,
        resourceType: subject.resourceType, resourceId: subject.resourceId, meter: l.meter, offeringId: l.offeringId ?? null, quantity: l.quantity, at: atIso,
      };
      await db.insertInto('usageEvents').values(row).execute();
    }
  }

  /** The latest level of each meter of a resource. */
  async lastLevels(resourceId: string, db: Kysely<Database> = this.db): Promise<Map<UsageMeter, UsageEventRow>> {
    const rows = await db.selectFrom('usageEvents').selectAll().where('resourceId', '=', resourceId).orderBy('at', 'desc').orderBy('id', 'desc').limit(20).execute();
    const out = new Map<UsageMeter, UsageEventRow>();
    for (const r of rows) if (!out.has(r.meter)) out.set(r.meter, r);
    return out;
  }

  /**
   * What an owner's usage needs for [fromIso, toIso): every event inside it, and for each resource
   * and meter the last event before it (the level the window starts at). Oldest first.
   */
  async window(ownerKind: OwnerKind, ownerId: string, fromIso: string, toIso: string, db: Kysely<Database> = this.db): Promise<UsageEventRow[]> {
    return this.windowOf({ ownerKind, ownerId }, fromIso, toIso, db);
  }

  /** The same as `window`, for every owner at once (the rollup job). */
  async windowOfAll(fromIso: string, toIso: string, db: Kysely<Database> = this.db): Promise<UsageEventRow[]> {
    return this.windowOf(null, fromIso, toIso, db);
  }

  /** When the first event happened (null: nothing metered yet). */
  async firstAt(db: Kysely<Database> = this.db): Promise<string | null> {
    const r = await db.selectFrom('usageEvents').select('at').orderBy('at').limit(1).executeTakeFirst();
    return r?.at ?? null;
  }

  private async windowOf(owner: { ownerKind: OwnerKind; ownerId: string } | null, fromIso: string, toIso: string, db: Kysely<Database>): Promise<UsageEventRow[]> {
    let inside = db.selectFrom('usageEvents').selectAll().where('at', '>=', fromIso).where('at', '<', toIso);
    if (owner) inside = inside.where('ownerKind', '=', owner.ownerKind).where('ownerId', '=', owner.ownerId);
    let before = db.selectFrom('usageEvents as u').selectAll('u').where('u.at', '<', fromIso)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('usageEvents as n').select('n.id')
        .whereRef('n.resourceId', '=', 'u.resourceId').whereRef('n.meter', '=', 'u.meter').where('n.at', '<', fromIso)
        .where((e) => e.or([e('n.at', '>', e.ref('u.at')), e.and([e('n.at', '=', e.ref('u.at')), e('n.id', '>', e.ref('u.id'))])])))))
      .where('u.quantity', '!=', 0);
    if (owner) before = before.where('u.ownerKind', '=', owner.ownerKind).where('u.ownerId', '=', owner.ownerId);
    return [...await before.execute(), ...await inside.orderBy('at').orderBy('id').execute()];
  }

  /** Every event of an owner, oldest first (tests and exports). */
  async history(ownerKind: OwnerKind, ownerId: string, db: Kysely<Database> = this.db): Promise<UsageEventRow[]> {
    return db.selectFrom('usageEvents').selectAll().where('ownerKind', '=', ownerKind).where('ownerId', '=', ownerId).orderBy('at').orderBy('id').execute();
  }
}
