import type { Kysely, Transaction } from 'kysely';
import type { PowerState } from '@kumo/core';
import type { Database, InstanceRow } from '../schema.ts';
import type { Page, PageRequest } from '../pagination.ts';
import type { Scope } from '../scope.ts';
import { CrudRepo } from './crud-repo.ts';
import { inTransaction, instanceLevels, UsageEventsRepo } from './usage-events-repo.ts';
import { whereOwned } from '../scope-filter.ts';

export type InstanceStatusPatch = Partial<Pick<InstanceRow,
  'phase' | 'task' | 'hostId' | 'targetHostId' | 'poolId' | 'podId' | 'clusterId' | 'errorReason' | 'excludedHostIds' | 'deletedAt' | 'desired'>>;

/**
 * What a listing reads: every column but user data (up to 64 KiB each), the scheduler's excluded hosts,
 * pod, cluster and deletion time, none of which a list shows.
 */
export const instanceListColumns = [
  'id', 'accountId', 'name', 'zoneId', 'hostId', 'poolId', 'imageId', 'imageVersionId', 'offeringId', 'keypairId',
  'vcpus', 'memoryMiB', 'rootDiskGiB', 'hostTags', 'configDrive', 'cdrom', 'cdromImageId', 'cdromImageVersionId', 'bootDevice', 'desired', 'phase', 'task',
  'observedPower', 'observedAt', 'errorReason', 'version', 'createdAt', 'updatedAt', 'ha', 'haPriority', 'haRestarts', 'haLastRestartAt', 'type', 'graphicalConsole', 'metadataHttpTokens',
] as const satisfies readonly (keyof InstanceRow)[];
export type InstanceListRow = Pick<InstanceRow, typeof instanceListColumns[number]>;

/** Catalog entries an instance refers to, which it must not keep alive once deleted. */
export type InstanceCatalogRef = 'imageId' | 'cdromImageId' | 'offeringId' | 'keypairId';

/** Instances, with compare-and-swap on `version` for every controller write. */
export class InstancesRepo extends CrudRepo<'instances'> {
  constructor(db: Kysely<Database>) {
    super(db, {
      table: 'instances', tenantScoped: true,
      sortable: ['name', 'createdAt', 'phase'], filterable: ['name', 'zoneId', 'hostId', 'phase', 'accountId'],
      tombstone: { column: 'phase', value: 'deleted' },
    });
  }

  private readonly usage = new UsageEventsRepo(this.db);

  /** Insert a new instance and its first usage levels (allocated from its creation), in one transaction. */
  override async insert(row: InstanceRow, db: Kysely<Database> = this.db): Promise<void> {
    await inTransaction(db, async (trx) => {
      await super.insert(row, trx);
      await this.usage.record(trx, { ownerId: row.accountId, resourceType: 'instance', resourceId: row.id }, instanceLevels(row), row.createdAt);
    });
  }

  /** list() without the columns no listing shows (instanceListColumns). */
  async listBrief(scope: Scope, page: PageRequest, filters: Partial<Record<string, unknown>> = {}): Promise<Page<InstanceListRow>> {
    return this.listColumns(scope, page, filters, instanceListColumns) as Promise<Page<InstanceListRow>>;
  }

  /**
   * Write `patch` only if the row still has `expectedVersion`; bumps the version.
   * Returns the new version, or null when someone else wrote first (the caller re-reads).
   */
  async compareAndSwap(id: string, expectedVersion: number, patch: InstanceStatusPatch, nowIso: string, db: Kysely<Database> = this.db): Promise<number | null> {
    const write = async (d: Kysely<Database>): Promise<number | null> => {
      const r = await d.updateTable('instances')
        .set({ ...patch, version: expectedVersion + 1, updatedAt: nowIso })
        .where('id', '=', id).where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1 ? expectedVersion + 1 : null;
    };
    if (patch.phase === undefined) return write(db);
    // A phase change moves the usage meters: recorded in the same transaction (usage-events-repo.ts).
    return inTransaction(db, async (trx) => {
      const v = await write(trx);
      const row = v === null ? undefined : await this.getAny(id, trx);
      if (row) await this.usage.record(trx, { ownerId: row.accountId, resourceType: 'instance', resourceId: id }, instanceLevels(row), nowIso);
      return v;
    });
  }

  /** A live (not deleted) instance of the caller's own account with this name: names are unique per account. */
  async liveByName(scope: Scope, name: string, db: Kysely<Database> = this.db): Promise<{ id: string } | undefined> {
    return db.selectFrom('instances').select('id').where('accountId', '=', scope.accountId)
      .where('name', '=', name).where('phase', '!=', 'deleted').executeTakeFirst();
  }

  /**
   * What an API caller wants of an instance (its `desired` state): written only if the row still
   * has `expectedVersion` and is the caller's (admins: anyone's). Bumps the version. False: re-read.
   */
  async requestDesired(scope: Scope, id: string, expectedVersion: number, patch: Partial<Pick<InstanceRow, 'desired'>>, nowIso: string, db: Kysely<Database> = this.db): Promise<boolean> {
    let q = db.updateTable('instances').set({ ...patch, version: expectedVersion + 1, updatedAt: nowIso })
      .where('id', '=', id).where('version', '=', expectedVersion);
    q = whereOwned(q, 'accountId', scope, true);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  /** A resize: the new offering's size on a stopped, idle instance, with CAS on version. False: it changed or is not stopped. */
  async setSize(scope: Scope, id: string, expectedVersion: number, size: Pick<InstanceRow, 'offeringId' | 'vcpus' | 'memoryMiB'>, nowIso: string, db: Kysely<Database> = this.db): Promise<boolean> {
    let q = db.updateTable('instances').set({ ...size, version: expectedVersion + 1, updatedAt: nowIso })
      .where('id', '=', id).where('version', '=', expectedVersion).where('phase', '=', 'stopped').where('task', 'is', null);
    if (!scope.admin) q = q.where('accountId', '=', scope.accountId);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  /** Put a new instance into affinity groups (the caller checked it may see them). */
  async addToAffinityGroups(instanceId: string, groupIds: readonly string[], db: Kysely<Database> = this.db): Promise<void> {
    for (const groupId of groupIds) await db.insertInto('affinityMembers').values({ groupId, instanceId }).execute();
  }

  /** Observed state comes from agents only; it does not bump the CAS version. */
  async setObserved(id: string, power: PowerState, atIso: string): Promise<void> {
    await this.db.updateTable('instances').set({ observedPower: power, observedAt: atIso }).where('id', '=', id).execute();
  }

  async getAny(id: string, db: Kysely<Database> = this.db): Promise<InstanceRow | undefined> {
    return db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Ids of instances that are not where they should be, or have work in progress (for resync). */
  async unsettledIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('instances').select('id')
      .where((eb) => eb.or([
        eb('task', 'is not', null),
        eb('phase', '=', 'pending'),
        eb.and([eb('desired', '=', 'deleted'), eb('phase', '!=', 'deleted')]),
        eb.and([eb('desired', '=', 'running'), eb('phase', 'in', ['stopped', 'paused', 'saved'])]),
        eb.and([eb('desired', '=', 'stopped'), eb('phase', 'in', ['running', 'paused', 'saved'])]),
        eb.and([eb('desired', 'in', ['paused', 'saved']), eb('phase', '=', 'running')]),
      ]))
      .execute();
    return rows.map((r) => r.id);
  }

  async onHost(hostId: string): Promise<InstanceRow[]> {
    return this.db.selectFrom('instances').selectAll().where('hostId', '=', hostId).where('phase', '!=', 'deleted').execute();
  }


  /**
   * Instances not deleted (deleting ones included) that use this image, offering or key pair: what refuses
   * their deletion. Every account's: a public image may be used by others.
   */
  async liveUsersOf(ref: InstanceCatalogRef, id: string, db: Kysely<Database> = this.db, limit = 10): Promise<Array<{ id: string; name: string }>> {
    return db.selectFrom('instances').select(['id', 'name']).where(ref, '=', id).where('phase', '!=', 'deleted').orderBy('id').limit(limit).execute();
  }

  /**
   * Deleted instances keep their rows (history) but let go of an image (and its versions), an
   * offering or a key pair that is being deleted.
   */
  async releaseFromDeleted(ref: InstanceCatalogRef, id: string, db: Kysely<Database> = this.db): Promise<void> {
    const patch = ref === 'imageId' ? { imageId: null, imageVersionId: null } : ref === 'cdromImageId' ? { cdromImageId: null, cdromImageVersionId: null } : { [ref]: null };
    await db.updateTable('instances').set(patch).where(ref, '=', id).where('phase', '=', 'deleted').execute();
  }

  /** Deleted instances let go of one image version (launched from it, or holding it as their ISO). */
  async releaseVersionFromDeleted(versionId: string, db: Kysely<Database> = this.db): Promise<void> {
    await db.updateTable('instances').set({ imageVersionId: null }).where('imageVersionId', '=', versionId).where('phase', '=', 'deleted').execute();
    await db.updateTable('instances').set({ cdromImageId: null, cdromImageVersionId: null }).where('cdromImageVersionId', '=', versionId).where('phase', '=', 'deleted').execute();
  }

  /** The CD-ROM drive and boot order of an instance (not a controller field: no CAS version bump needed by the controller, but bumped for readers). */
  async setCdrom(id: string, patch: Partial<Pick<InstanceRow, 'cdrom' | 'cdromImageId' | 'cdromImageVersionId' | 'bootDevice'>>, nowIso: string, db: Kysely<Database> = this.db): Promise<void> {
    await db.updateTable('instances').set((eb) => ({ ...patch, version: eb('version', '+', 1), updatedAt: nowIso })).where('id', '=', id).execute();
  }

  async affinityGroupIds(instanceId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('affinityMembers').select('groupId').where('instanceId', '=', instanceId).orderBy('groupId').execute();
    return rows.map((r) => r.groupId);
  }

  /** Affinity groups of many instances in one query (a list page): instance id → group ids, sorted. */
  async affinityGroupIdsOf(instanceIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (instanceIds.length === 0) return out;
    const rows = await this.db.selectFrom('affinityMembers').select(['instanceId', 'groupId']).where('instanceId', 'in', [...instanceIds]).orderBy('groupId').execute();
    for (const r of rows) out.set(r.instanceId, [...(out.get(r.instanceId) ?? []), r.groupId]);
    return out;
  }

  /** Hosts of the other live members of an affinity group. */
  async groupHostIds(groupId: string, exceptInstanceId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('affinityMembers')
      .innerJoin('instances', 'instances.id', 'affinityMembers.instanceId')
      .select('instances.hostId')
      .where('affinityMembers.groupId', '=', groupId)
      .where('instances.id', '!=', exceptInstanceId)
      .where('instances.hostId', 'is not', null)
      .where('instances.phase', '!=', 'deleted')
      .execute();
    return [...new Set(rows.map((r) => r.hostId).filter((h): h is string => h !== null))];
  }
}

export type { Transaction };
