import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** What can be dedicated to an account, from the largest to the smallest. */
export type DedicationKind = 'zone' | 'pod' | 'cluster' | 'host';
export const dedicationKinds: readonly DedicationKind[] = ['zone', 'pod', 'cluster', 'host'];
const tableOf = { zone: 'zones', pod: 'pods', cluster: 'clusters', host: 'hosts' } as const;

/** One dedicated zone, pod, cluster or host. */
export interface DedicationRow { kind: DedicationKind; id: string; name: string; zoneId: string; accountId: string }

/** A resource with where it sits: its own id and its ancestors' (null for levels above it). */
export interface DedicationTarget { kind: DedicationKind; id: string; name: string; zoneId: string; podId: string | null; clusterId: string | null; dedicatedAccountId: string | null }

/**
 * Dedicated resources (migrations 001 and 025): a zone, pod, cluster or host reserved for one
 * account. A host's effective dedication is its own, else its cluster's, its pod's, its zone's —
 * the nearest one set. (Dedication to a domain will be one more column beside each.)
 */
export class DedicationsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Each host of a zone → the account it is effectively dedicated to (null: shared). */
  async effectiveByHost(zoneId: string, db: Kysely<Database> = this.db): Promise<Map<string, string | null>> {
    const rows = await db.selectFrom('hosts as h').innerJoin('clusters as c', 'c.id', 'h.clusterId').innerJoin('pods as p', 'p.id', 'h.podId').innerJoin('zones as z', 'z.id', 'h.zoneId')
      .select((eb) => ['h.id', eb.fn.coalesce('h.dedicatedAccountId', 'c.dedicatedAccountId', 'p.dedicatedAccountId', 'z.dedicatedAccountId').as('accountId')])
      .where('h.zoneId', '=', zoneId).execute();
    return new Map(rows.map((r) => [r.id, r.accountId ?? null]));
  }

  /** Whether anything (a zone, pod, cluster or host) is dedicated to the account. */
  async accountHasDedicated(accountId: string, db: Kysely<Database> = this.db): Promise<boolean> {
    for (const kind of dedicationKinds) {
      const r = await db.selectFrom(tableOf[kind]).select('id').where('dedicatedAccountId', '=', accountId).limit(1).executeTakeFirst();
      if (r) return true;
    }
    return false;
  }

  /** Every dedicated resource, largest first. */
  async list(accountId?: string): Promise<DedicationRow[]> {
    const out: DedicationRow[] = [];
    for (const kind of dedicationKinds) {
      let q = this.db.selectFrom(tableOf[kind]).select(['id', 'name', kind === 'zone' ? 'id as zoneId' : 'zoneId', 'dedicatedAccountId']).where('dedicatedAccountId', 'is not', null);
      if (accountId) q = q.where('dedicatedAccountId', '=', accountId);
      for (const r of await q.orderBy('name').execute()) out.push({ kind, id: r.id, name: r.name, zoneId: r.zoneId, accountId: r.dedicatedAccountId as string });
    }
    return out;
  }

  /** The resource and where it sits (undefined: no such resource). */
  async target(kind: DedicationKind, id: string): Promise<DedicationTarget | undefined> {
    if (kind === 'zone') {
      const r = await this.db.selectFrom('zones').select(['id', 'name', 'dedicatedAccountId']).where('id', '=', id).executeTakeFirst();
      return r && { kind, id: r.id, name: r.name, zoneId: r.id, podId: null, clusterId: null, dedicatedAccountId: r.dedicatedAccountId ?? null };
    }
    if (kind === 'pod') {
      const r = await this.db.selectFrom('pods').select(['id', 'name', 'zoneId', 'dedicatedAccountId']).where('id', '=', id).executeTakeFirst();
      return r && { kind, id: r.id, name: r.name, zoneId: r.zoneId, podId: r.id, clusterId: null, dedicatedAccountId: r.dedicatedAccountId ?? null };
    }
    if (kind === 'cluster') {
      const r = await this.db.selectFrom('clusters').select(['id', 'name', 'zoneId', 'podId', 'dedicatedAccountId']).where('id', '=', id).executeTakeFirst();
      return r && { kind, id: r.id, name: r.name, zoneId: r.zoneId, podId: r.podId, clusterId: r.id, dedicatedAccountId: r.dedicatedAccountId ?? null };
    }
    const r = await this.db.selectFrom('hosts').select(['id', 'name', 'zoneId', 'podId', 'clusterId', 'dedicatedAccountId']).where('id', '=', id).executeTakeFirst();
    return r && { kind, id: r.id, name: r.name, zoneId: r.zoneId, podId: r.podId, clusterId: r.clusterId, dedicatedAccountId: r.dedicatedAccountId };
  }

  /**
   * Other accounts' dedications that overlap the target: its ancestors' and, inside it, its
   * descendants' (a zone dedicated to A cannot hold a cluster dedicated to B).
   */
  async overlapping(t: DedicationTarget, accountId: string): Promise<DedicationRow[]> {
    const all = await this.list();
    const hostsIn = (col: 'zoneId' | 'podId' | 'clusterId', id: string) => this.db.selectFrom('hosts').select(['id']).where(col, '=', id).execute();
    const inside = new Set<string>();
    if (t.kind !== 'host') {
      const col = t.kind === 'zone' ? 'zoneId' : t.kind === 'pod' ? 'podId' : 'clusterId';
      for (const h of await hostsIn(col, t.id)) inside.add(h.id);
      if (t.kind !== 'cluster') for (const c of await this.db.selectFrom('clusters').select('id').where(t.kind === 'zone' ? 'zoneId' : 'podId', '=', t.id).execute()) inside.add(c.id);
      if (t.kind === 'zone') for (const p of await this.db.selectFrom('pods').select('id').where('zoneId', '=', t.id).execute()) inside.add(p.id);
    }
    const above = new Set([t.zoneId, t.podId, t.clusterId].filter((x): x is string => x !== null && x !== t.id));
    return all.filter((d) => d.accountId !== accountId && (above.has(d.id) || inside.has(d.id)));
  }

  /** Other accounts' instances (not deleted) placed in the target, or pinned to it. */
  async otherAccountsInstances(t: DedicationTarget, accountId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('instances').select('id').where('accountId', '!=', accountId).where('phase', '!=', 'deleted')
      .where((eb) => {
        if (t.kind === 'zone') return eb('zoneId', '=', t.id);
        if (t.kind === 'host') return eb('hostId', '=', t.id);
        const hosts = eb.selectFrom('hosts').select('id').where(t.kind === 'pod' ? 'podId' : 'clusterId', '=', t.id);
        if (t.kind === 'cluster') return eb.or([eb('clusterId', '=', t.id), eb('hostId', 'in', hosts)]);
        return eb.or([eb('podId', '=', t.id), eb('clusterId', 'in', eb.selectFrom('clusters').select('id').where('podId', '=', t.id)), eb('hostId', 'in', hosts)]);
      })
      .orderBy('id').limit(20).execute();
    return rows.map((r) => r.id);
  }

  /** The account a zone, pod, cluster or host is effectively dedicated to: its own, else the nearest ancestor's (null: shared; undefined: no such resource). */
  async effectiveAccount(kind: DedicationKind, id: string): Promise<string | null | undefined> {
    const t = await this.target(kind, id);
    if (!t) return undefined;
    if (t.dedicatedAccountId !== null) return t.dedicatedAccountId;
    const up = kind === 'host' ? ['cluster', t.clusterId] as const : kind === 'cluster' ? ['pod', t.podId] as const : kind === 'pod' ? ['zone', t.zoneId] as const : null;
    return up && up[1] !== null ? this.effectiveAccount(up[0], up[1]) : null;
  }

  /** Dedicate (an account id) or release (null). */
  async set(kind: DedicationKind, id: string, accountId: string | null): Promise<void> {
    await this.db.updateTable(tableOf[kind]).set({ dedicatedAccountId: accountId }).where('id', '=', id).execute();
  }
}
