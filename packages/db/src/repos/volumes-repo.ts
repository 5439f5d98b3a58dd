import type { Kysely } from 'kysely';
import type { Database, VolumeRow } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { CrudRepo } from './crud-repo.ts';
import { inTransaction, UsageEventsRepo, volumeLevels } from './usage-events-repo.ts';
import { whereOwned } from '../scope-filter.ts';

/** What the controller writes: lifecycle, and the attachment and size the host confirmed. */
export type VolumeStatusPatch = Partial<Pick<VolumeRow, 'desired' | 'phase' | 'task' | 'errorReason' | 'instanceId' | 'pciSlot' | 'sizeGiB'>>;

/** Volumes, reconciled like instances: compare-and-swap on `version` for every controller write. */
export class VolumesRepo extends CrudRepo<'volumes'> {
  constructor(db: Kysely<Database>) {
    super(db, { table: 'volumes', tenantScoped: true, sortable: ['createdAt', 'sizeGiB', 'name'], filterable: ['instanceId', 'poolId', 'kind', 'phase', 'name'] });
  }

  private readonly usage = new UsageEventsRepo(this.db);

  /** Insert a new volume and its usage level (its size, from its creation), in one transaction. */
  override async insert(row: VolumeRow, db: Kysely<Database> = this.db): Promise<void> {
    await inTransaction(db, async (trx) => {
      await super.insert(row, trx);
      await this.usage.record(trx, { ownerId: row.accountId, resourceType: 'volume', resourceId: row.id }, volumeLevels(row), row.createdAt);
    });
  }

  /** Write `patch` only if the row still has `expectedVersion`; returns the new version or null (re-read). */
  async compareAndSwap(id: string, expectedVersion: number, patch: VolumeStatusPatch, nowIso: string, db: Kysely<Database> = this.db): Promise<number | null> {
    const write = async (d: Kysely<Database>): Promise<number | null> => {
      const r = await d.updateTable('volumes')
        .set({ ...patch, version: expectedVersion + 1, updatedAt: nowIso })
        .where('id', '=', id).where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1 ? expectedVersion + 1 : null;
    };
    if (patch.phase === undefined && patch.sizeGiB === undefined) return write(db);
    return inTransaction(db, async (trx) => {
      const v = await write(trx);
      const row = v === null ? undefined : await this.getAny(id, trx);
      if (row) await this.usage.record(trx, { ownerId: row.accountId, resourceType: 'volume', resourceId: id }, volumeLevels(row), nowIso);
      return v;
    });
  }

  /** Drop a deleted volume's row (version-checked) and stop its usage meter, in the caller's transaction. False: CAS lost. */
  async remove(vol: Pick<VolumeRow, 'id' | 'accountId' | 'version'>, nowIso: string, db: Kysely<Database> = this.db): Promise<boolean> {
    return inTransaction(db, async (trx) => {
      const r = await trx.deleteFrom('volumes').where('id', '=', vol.id).where('version', '=', vol.version).executeTakeFirst();
      if (Number(r.numDeletedRows) !== 1) return false;
      await this.usage.record(trx, { ownerId: vol.accountId, resourceType: 'volume', resourceId: vol.id }, volumeLevels(undefined), nowIso);
      return true;
    });
  }

  /** Observed state comes from agent replies only; it does not bump the CAS version. */
  async setObserved(id: string, state: string, atIso: string): Promise<void> {
    await this.db.updateTable('volumes').set({ observedState: state, observedAt: atIso }).where('id', '=', id).execute();
  }

  async getAny(id: string, db: Kysely<Database> = this.db): Promise<VolumeRow | undefined> {
    return db.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Volumes of an instance, root first. */
  async ofInstance(instanceId: string, db: Kysely<Database> = this.db): Promise<VolumeRow[]> {
    return db.selectFrom('volumes').selectAll().where('instanceId', '=', instanceId).orderBy('kind', 'desc').orderBy('id').execute();
  }

  /** The volumes of an instance the caller may see, in id order (the instance's volume listing). */
  async listOfInstance(scope: Scope, instanceId: string): Promise<VolumeRow[]> {
    return this.scoped(this.db, scope).where('volumes.instanceId', '=', instanceId).orderBy('volumes.id').execute() as Promise<VolumeRow[]>;
  }

  /** A live volume of the account with this name (names are unique per account among data volumes). */
  async liveByName(scope: Scope, name: string, db: Kysely<Database> = this.db): Promise<VolumeRow | undefined> {
    return this.scoped(db, scope, true).where('volumes.name', '=', name).where('volumes.desired', '!=', 'deleted').executeTakeFirst() as Promise<VolumeRow | undefined>;
  }

  /**
   * The API's claim on a volume for a new request: bumps `version` only if it is unchanged, so of
   * two requests that read the same row only one goes on (the other re-reads and sees it busy).
   */
  async claim(scope: Scope, id: string, expectedVersion: number, nowIso: string, db: Kysely<Database> = this.db): Promise<boolean> {
    let q = db.updateTable('volumes').set({ version: expectedVersion + 1, updatedAt: nowIso }).where('id', '=', id).where('version', '=', expectedVersion);
    q = whereOwned(q, 'accountId', scope, true);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Ask for the volume to be deleted (the API's write of `desired`), with a version check. */
  async requestDelete(scope: Scope, id: string, expectedVersion: number, nowIso: string, db: Kysely<Database> = this.db): Promise<boolean> {
    let q = db.updateTable('volumes').set({ desired: 'deleted', version: expectedVersion + 1, updatedAt: nowIso }).where('id', '=', id).where('version', '=', expectedVersion);
    q = whereOwned(q, 'accountId', scope, true);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Change the disk offering (the API's write: its limits are desired state). */
  async setDiskOffering(scope: Scope, id: string, expectedVersion: number, diskOfferingId: string | null, nowIso: string, db: Kysely<Database> = this.db): Promise<boolean> {
    let q = db.updateTable('volumes').set({ diskOfferingId, version: expectedVersion + 1, updatedAt: nowIso }).where('id', '=', id).where('version', '=', expectedVersion);
    q = whereOwned(q, 'accountId', scope, true);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Ids of volumes not where they should be, or with a task in progress (for resync). */
  async unsettledIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('volumes').select('id')
      .where((eb) => eb.or([
        eb('task', 'is not', null),
        eb('phase', '=', 'pending'),
        eb.and([eb('desired', '=', 'deleted'), eb('phase', '!=', 'deleted')]),
      ]))
      .execute();
    return rows.map((r) => r.id);
  }
}
