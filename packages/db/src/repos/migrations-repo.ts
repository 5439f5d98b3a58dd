import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { defaultMigrationPolicy, finishedMigrationStates, type MigrationPolicyRow, type MigrationRow } from '../schema-migrations.ts';
import { whereOwned } from '../scope-filter.ts';

export type MigrationPatch = Partial<Omit<MigrationRow, 'id' | 'accountId' | 'instanceId' | 'operationId' | 'version' | 'createdAt'>>;

/** Migration attempts (each written with compare-and-swap on version) and zones' migration policies. */
export class MigrationsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: MigrationRow, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('migrations').values(row).execute();
  }

  getAny(id: string): Promise<MigrationRow | undefined> {
    return this.db.selectFrom('migrations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The instance's unfinished attempt, if any (there is at most one). */
  activeFor(instanceId: string, db: Kysely<Database> = this.db): Promise<MigrationRow | undefined> {
    return db.selectFrom('migrations').selectAll().where('instanceId', '=', instanceId)
      .where('state', 'not in', [...finishedMigrationStates]).orderBy('createdAt', 'desc').executeTakeFirst();
  }

  /** Instances with an unfinished attempt (the controller's resync). */
  async unfinishedInstanceIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('migrations').select('instanceId').distinct().where('state', 'not in', [...finishedMigrationStates]).execute();
    return rows.map((r) => r.instanceId);
  }

  /** Every attempt of the operation, oldest first. */
  ofOperation(operationId: string): Promise<MigrationRow[]> {
    return this.db.selectFrom('migrations').selectAll().where('operationId', '=', operationId).orderBy('attempt').execute();
  }

  /** The instance's migration history the caller may see, newest first. */
  listOfInstance(scope: Scope, instanceId: string): Promise<MigrationRow[]> {
    let q = this.db.selectFrom('migrations').selectAll().where('instanceId', '=', instanceId);
    q = whereOwned(q, 'accountId', scope);
    return q.orderBy('createdAt', 'desc').orderBy('attempt', 'desc').execute();
  }

  /** Unfinished attempts a host takes part in (as source or target). */
  async activeOnHost(hostId: string, db: Kysely<Database> = this.db): Promise<number> {
    const r = await db.selectFrom('migrations').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', 'not in', [...finishedMigrationStates])
      .where((eb) => eb.or([eb('sourceHostId', '=', hostId), eb('targetHostId', '=', hostId)])).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Write patch if the row is still at expectedVersion; the new version, or null (someone else wrote). */
  async compareAndSwap(id: string, expectedVersion: number, patch: MigrationPatch, nowIso: string, db: Kysely<Database> = this.db): Promise<number | null> {
    const r = await db.updateTable('migrations').set({ ...patch, version: expectedVersion + 1, updatedAt: nowIso })
      .where('id', '=', id).where('version', '=', expectedVersion).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? expectedVersion + 1 : null;
  }

  /** The latest figures of a running stream (not versioned: only the stream's own job writes them). */
  async setStats(id: string, stats: string, nowIso: string): Promise<void> {
    await this.db.updateTable('migrations').set({ stats, updatedAt: nowIso }).where('id', '=', id).execute();
  }

  /** A zone's policy: its row, or the defaults. */
  async policy(zoneId: string, db: Kysely<Database> = this.db): Promise<MigrationPolicyRow> {
    const row = await db.selectFrom('migrationPolicies').selectAll().where('zoneId', '=', zoneId).executeTakeFirst();
    return row ?? { zoneId, ...defaultMigrationPolicy, updatedAt: '' };
  }

  /** Change some of a zone's settings (the rest keep their values or defaults). */
  async setPolicy(zoneId: string, patch: Partial<Omit<MigrationPolicyRow, 'zoneId' | 'updatedAt'>>, nowIso: string): Promise<MigrationPolicyRow> {
    const current = await this.policy(zoneId);
    const next: MigrationPolicyRow = { ...current, ...patch, zoneId, updatedAt: nowIso };
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('migrationPolicies').where('zoneId', '=', zoneId).execute();
      await trx.insertInto('migrationPolicies').values(next).execute();
    });
    return next;
  }
}
