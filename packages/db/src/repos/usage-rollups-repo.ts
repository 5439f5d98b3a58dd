import { sql, type Kysely } from 'kysely';
import type { Database, OwnerKind } from '../schema.ts';
import type { UsageRollupGranularity, UsageRollupRow } from '../schema-usage-rollups.ts';
import type { Scope } from '../scope.ts';

const cursorName = 'usage';
const dayMs = 86_400_000;

/** Which rollups a query reads: an owner, or (admins) every owner. */
export interface UsageRollupFilter { granularity: UsageRollupGranularity; fromIso: string; toIso: string; ownerKind?: OwnerKind; ownerId?: string }

/**
 * Hourly and daily usage (migration 025). The rollup job closes hours in order: in one
 * transaction it writes the hour rows of [closedUntil, to), the day rows of every day that ends
 * by `to` (sums of its hour rows), and moves the cursor with compare-and-swap — a crash keeps all
 * of a step or none of it, and a second server that raced it fails the swap and writes nothing.
 */
export class UsageRollupsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every hour before this is closed (null: the job has never run). */
  async closedUntil(db: Kysely<Database> = this.db): Promise<string | null> {
    const r = await db.selectFrom('usageRollupCursor').select('closedUntil').where('name', '=', cursorName).executeTakeFirst();
    return r?.closedUntil ?? null;
  }

  /**
   * Close [fromIso, toIso) (whole hours): the given hour rows, then the day rows of every day that
   * ends inside (fromIso, toIso]. `fromIso` must be the stored cursor (null: none yet); returns
   * false, writing nothing, when another writer moved it first.
   */
  async close(expected: string | null, fromIso: string, toIso: string, hourRows: readonly UsageRollupRow[], closedAt: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const moved = expected === null
        ? await trx.insertInto('usageRollupCursor').values({ name: cursorName, closedUntil: toIso, updatedAt: closedAt }).onConflict((oc) => oc.doNothing()).executeTakeFirst()
        : await trx.updateTable('usageRollupCursor').set({ closedUntil: toIso, updatedAt: closedAt }).where('name', '=', cursorName).where('closedUntil', '=', expected).executeTakeFirst();
      if (Number(('numInsertedOrUpdatedRows' in moved ? moved.numInsertedOrUpdatedRows : moved.numUpdatedRows) ?? 0) !== 1) return false;
      // Rows a crashed earlier attempt cannot have left (it was one transaction) — deleted anyway, so a re-run is exact.
      await trx.deleteFrom('usageRollups').where('granularity', '=', 'hour').where('start', '>=', fromIso).where('start', '<', toIso).execute();
      for (let i = 0; i < hourRows.length; i += 200) await trx.insertInto('usageRollups').values(hourRows.slice(i, i + 200)).execute();
      const fromMs = Date.parse(fromIso); const toMs = Date.parse(toIso);
      for (let day = Math.floor(fromMs / dayMs) * dayMs; day + dayMs <= toMs; day += dayMs) {
        if (day + dayMs <= fromMs) continue;
        const start = new Date(day).toISOString(); const end = new Date(day + dayMs).toISOString();
        await trx.deleteFrom('usageRollups').where('granularity', '=', 'day').where('start', '=', start).execute();
        await trx.insertInto('usageRollups').columns(['granularity', 'start', 'ownerKind', 'ownerId', 'meter', 'offeringKey', 'amount', 'closedAt'])
          .expression((eb) => eb.selectFrom('usageRollups')
            .select([sql.lit('day').as('granularity'), sql.lit(start).as('start'), 'ownerKind', 'ownerId', 'meter', 'offeringKey', eb.fn.sum<number>('amount').as('amount'), sql.lit(closedAt).as('closedAt')])
            .where('granularity', '=', 'hour').where('start', '>=', start).where('start', '<', end)
            .groupBy(['ownerKind', 'ownerId', 'meter', 'offeringKey']))
          .execute();
      }
      return true;
    });
  }

  /** Rollups whose start is in [fromIso, toIso), oldest first. Tenants see their own account's only. */
  async list(scope: Scope, f: UsageRollupFilter): Promise<UsageRollupRow[]> {
    let q = this.db.selectFrom('usageRollups').selectAll()
      .where('granularity', '=', f.granularity).where('start', '>=', f.fromIso).where('start', '<', f.toIso);
    if (!scope.admin) q = q.where('ownerKind', '=', 'account').where('ownerId', '=', scope.accountId);
    if (f.ownerKind) q = q.where('ownerKind', '=', f.ownerKind);
    if (f.ownerId) q = q.where('ownerId', '=', f.ownerId);
    const rows = await q.orderBy('start').orderBy('ownerId').orderBy('meter').orderBy('offeringKey').execute();
    return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
  }
}
