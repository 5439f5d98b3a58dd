import type { Kysely } from 'kysely';
import type { Database, SnapshotRow } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { CrudRepo } from './crud-repo.ts';
import { inTransaction, snapshotLevels, UsageEventsRepo } from './usage-events-repo.ts';
import { whereOwned } from '../scope-filter.ts';

export type SnapshotStatusPatch = Partial<Pick<SnapshotRow, 'phase' | 'task' | 'errorReason' | 'sizeBytes' | 'sha256' | 'storagePath' | 'format'>>;

/** Snapshots: tenant-scoped, reconciled with compare-and-swap on `version` like volumes. */
export class SnapshotsRepo extends CrudRepo<'snapshots'> {
  constructor(db: Kysely<Database>) {
    super(db, { table: 'snapshots', tenantScoped: true, sortable: ['createdAt', 'name'], filterable: ['volumeId', 'poolId', 'location', 'phase', 'name'] });
  }

  private readonly usage = new UsageEventsRepo(this.db);

  /** Insert a new snapshot and its usage level (the volume's size, from its creation), in one transaction. */
  override async insert(row: SnapshotRow, db: Kysely<Database> = this.db): Promise<void> {
    await inTransaction(db, async (trx) => {
      await super.insert(row, trx);
      await this.usage.record(trx, { ownerId: row.accountId, resourceType: 'snapshot', resourceId: row.id }, snapshotLevels(row), row.createdAt);
    });
  }

  async getAny(id: string, db: Kysely<Database> = this.db): Promise<SnapshotRow | undefined> {
    return db.selectFrom('snapshots').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Controller writes: only if the row still has `expectedVersion`; the new version, or null (re-read). */
  async compareAndSwap(id: string, expectedVersion: number, patch: SnapshotStatusPatch, nowIso: string, db: Kysely<Database> = this.db): Promise<number | null> {
    const write = async (d: Kysely<Database>): Promise<number | null> => {
      const r = await d.updateTable('snapshots').set({ ...patch, version: expectedVersion + 1, updatedAt: nowIso })
        .where('id', '=', id).where('version', '=', expectedVersion).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1 ? expectedVersion + 1 : null;
    };
    if (patch.phase === undefined) return write(db);
    return inTransaction(db, async (trx) => {
      const v = await write(trx);
      const row = v === null ? undefined : await this.getAny(id, trx);
      if (row) await this.usage.record(trx, { ownerId: row.accountId, resourceType: 'snapshot', resourceId: id }, snapshotLevels(row), nowIso);
      return v;
    });
  }

  /** The API's delete request, with a version check. */
  async requestDelete(scope: Scope, id: string, expectedVersion: number, nowIso: string, db: Kysely<Database> = this.db): Promise<boolean> {
    let q = db.updateTable('snapshots').set({ desired: 'deleted', version: expectedVersion + 1, updatedAt: nowIso }).where('id', '=', id).where('version', '=', expectedVersion);
    q = whereOwned(q, 'accountId', scope, true);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Live snapshots of a volume (not being deleted). */
  async liveOfVolume(volumeId: string, db: Kysely<Database> = this.db): Promise<SnapshotRow[]> {
    return db.selectFrom('snapshots').selectAll().where('volumeId', '=', volumeId).where('desired', '!=', 'deleted').orderBy('id').execute();
  }

  /** Volumes that were made from this snapshot and still exist (a pool clone's parent must stay). */
  async volumesMadeFrom(id: string, db: Kysely<Database> = this.db): Promise<string[]> {
    const rows = await db.selectFrom('volumes').select('id').where('sourceSnapshotId', '=', id).execute();
    return rows.map((r) => r.id);
  }

  /** Ids of snapshots with unfinished work (for resync). */
  async unsettledIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('snapshots').select('id')
      .where((eb) => eb.or([
        eb('task', 'is not', null),
        eb('phase', '=', 'pending'),
        eb.and([eb('desired', '=', 'deleted'), eb('phase', '!=', 'deleted')]),
      ]))
      .execute();
    return rows.map((r) => r.id);
  }

  /** Drop the row (version-checked) and stop its usage meter at `nowIso`, in one transaction. */
  async remove(id: string, expectedVersion: number, nowIso: string, db: Kysely<Database> = this.db): Promise<boolean> {
    return inTransaction(db, async (trx) => {
      const row = await this.getAny(id, trx);
      const r = await trx.deleteFrom('snapshots').where('id', '=', id).where('version', '=', expectedVersion).executeTakeFirst();
      if (Number(r.numDeletedRows) !== 1 || !row) return false;
      await this.usage.record(trx, { ownerId: row.accountId, resourceType: 'snapshot', resourceId: id }, snapshotLevels(undefined), nowIso);
      return true;
    });
  }
}
