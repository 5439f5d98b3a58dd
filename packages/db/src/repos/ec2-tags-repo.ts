import type { Kysely } from 'kysely';
import type { Database, Ec2TagRow } from '../schema.ts';
import type { Scope } from '../scope.ts';

/** EC2 tags (migration 020), always within the caller's account. */
export class Ec2TagsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** The account's tags, of these resources only when `resourceIds` is given; by resource, then key. */
  async list(scope: Scope, resourceIds?: readonly string[]): Promise<Ec2TagRow[]> {
    if (resourceIds && resourceIds.length === 0) return [];
    const out: Ec2TagRow[] = [];
    // Chunks keep under SQLite's bound-parameter limit with pages of 1,000 instances.
    const chunks = resourceIds ? chunk(resourceIds, 500) : [undefined];
    for (const ids of chunks) {
      let q = this.db.selectFrom('ec2Tags').selectAll().where('accountId', '=', scope.accountId);
      if (ids) q = q.where('resourceId', 'in', ids);
      out.push(...await q.orderBy('resourceId').orderBy('key').execute());
    }
    return out;
  }

  /** Add or overwrite tags. */
  async put(scope: Scope, rows: ReadonlyArray<Omit<Ec2TagRow, 'accountId'>>): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunk(rows, 100)) {
        await trx.insertInto('ec2Tags').values(part.map((r) => ({ ...r, accountId: scope.accountId })))
          .onConflict((oc) => oc.columns(['resourceId', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
          .execute();
      }
    });
  }

  /** Remove tags by key (and only with that value, when one is given). */
  async remove(scope: Scope, resourceIds: readonly string[], tags: ReadonlyArray<{ key: string; value: string | undefined }>): Promise<void> {
    if (resourceIds.length === 0) return;
    let q = this.db.deleteFrom('ec2Tags').where('accountId', '=', scope.accountId).where('resourceId', 'in', resourceIds);
    if (tags.length > 0) {
      q = q.where((eb) => eb.or(tags.map((t) => (t.value === undefined ? eb('key', '=', t.key) : eb.and([eb('key', '=', t.key), eb('value', '=', t.value)])))));
    }
    await q.execute();
  }
}

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
