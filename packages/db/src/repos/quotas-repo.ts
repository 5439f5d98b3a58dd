import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import { subtreeAccounts } from '../scope-filter.ts';
import type { Database, OwnerKind, QuotaRow } from '../schema.ts';

/** The resources a quota limits, in the order the API and CLI show them. */
export const quotaResources = ['instances', 'vcpus', 'memoryMiB', 'volumes', 'volumeGiB', 'snapshots', 'publicIps', 'networks'] as const;
export type QuotaResource = typeof quotaResources[number];
/** How much of each resource an owner holds now. */
export type QuotaUse = Record<QuotaResource, number>;

const num = (v: unknown): number => Number(v ?? 0);

/**
 * Per-owner limits and the current use they are checked against. Current use counts what exists:
 * instances that are not deleted (stopped ones too) with their vCPUs and memory, data volumes that
 * are not deleted with their size (root disks are bounded by the instance quota and offerings),
 * snapshots that are not deleted, allocated public IPs, and networks the owner owns.
 */
export class QuotasRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(ownerKind: OwnerKind, ownerId: string, db: Kysely<Database> = this.db): Promise<QuotaRow | undefined> {
    return db.selectFrom('quotas').selectAll().where('ownerKind', '=', ownerKind).where('ownerId', '=', ownerId).executeTakeFirst();
  }

  /** Insert or replace an owner's limits. */
  async put(row: QuotaRow, db: Kysely<Database> = this.db): Promise<void> {
    const { ownerKind, ownerId, ...limits } = row;
    await db.insertInto('quotas').values(row)
      .onConflict((oc) => oc.columns(['ownerKind', 'ownerId']).doUpdateSet(limits)).execute();
    void ownerKind; void ownerId;
  }

  /** An account's current use of every quota resource (run inside the locking transaction when checking). */
  async useOfAccount(accountId: string, db: Kysely<Database> = this.db): Promise<QuotaUse> {
    return this.useWhere(db, (eb) => eb('accountId', '=', accountId));
  }

  /** The use of every account of the domain subtree at `domainPath` together (a domain quota bounds that sum). */
  async useOfDomain(domainPath: string, db: Kysely<Database> = this.db): Promise<QuotaUse> {
    return this.useWhere(db, (eb) => eb('accountId', 'in', subtreeAccounts(eb, domainPath)));
  }

  private async useWhere(db: Kysely<Database>, owned: (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>): Promise<QuotaUse> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the same owner test on several tables
    const inst = await db.selectFrom('instances')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('vcpus').as('vcpus'), eb.fn.sum('memoryMiB').as('memoryMiB')])
      .where(owned).where('phase', '!=', 'deleted').executeTakeFirst();
    const vol = await db.selectFrom('volumes').select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('sizeGiB').as('gib')])
      .where(owned).where('kind', '=', 'data').where('phase', '!=', 'deleted').executeTakeFirst();
    const count = async (table: 'snapshots' | 'publicIps' | 'networks'): Promise<number> => {
      let q = db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where(owned);
      if (table === 'snapshots') q = q.where('phase', '!=', 'deleted');
      return num((await q.executeTakeFirst())?.n);
    };
    return {
      instances: num(inst?.n), vcpus: num(inst?.vcpus), memoryMiB: num(inst?.memoryMiB),
      volumes: num(vol?.n), volumeGiB: num(vol?.gib),
      snapshots: await count('snapshots'), publicIps: await count('publicIps'), networks: await count('networks'),
    };
  }
}
