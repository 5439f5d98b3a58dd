import type { Kysely } from 'kysely';
import type { Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { createRepos, quotaResources, type Database, type QuotaResource, type QuotaRow, type QuotaUse, type Repos, type Scope } from '@kumo/db';
import { lockRow } from './network-errors.ts';

/** Limits by resource; null: unlimited. */
export type QuotaLimits = Record<QuotaResource, number | null>;

/** The quota row that holds the defaults of every account that has no limit of its own. */
export const defaultQuotaOwner = { ownerKind: 'account' as const, ownerId: '*' };

const unlimited = (): QuotaLimits => Object.fromEntries(quotaResources.map((r) => [r, null])) as QuotaLimits;
const limitsOf = (row: QuotaRow | undefined): QuotaLimits => {
  const out = unlimited();
  if (row) for (const r of quotaResources) out[r] = row[r] === null ? null : Number(row[r]);
  return out;
};

/** An account's effective limits: its own where set, else the defaults, else unlimited. */
export async function effectiveLimits(db: Kysely<Database>, accountId: string): Promise<{ own: QuotaLimits; defaults: QuotaLimits; effective: QuotaLimits }> {
  const repos = createRepos(db);
  const own = limitsOf(await repos.quotas.get('account', accountId, db));
  const defaults = limitsOf(await repos.quotas.get(defaultQuotaOwner.ownerKind, defaultQuotaOwner.ownerId, db));
  const effective = unlimited();
  for (const r of quotaResources) effective[r] = own[r] ?? defaults[r];
  return { own, defaults, effective };
}

/**
 * Check, inside the transaction that creates the resources, that the account may hold `want` more
 * of them. Takes a row lock on the account first, so concurrent creates by one account queue up
 * here and each sees what the ones before it created: the quota holds under concurrency (on
 * SQLite, writes are serialised anyway). Throws quota_exceeded naming the resource, the limit and
 * the current use; the caller's transaction then rolls back and nothing is created.
 */
export async function enforceQuota(trx: Kysely<Database>, accountId: string, want: Partial<QuotaUse>): Promise<void> {
  await lockRow(trx, 'accounts', accountId);
  const { effective } = await effectiveLimits(trx, accountId);
  const asked = quotaResources.filter((r) => (want[r] ?? 0) > 0 && effective[r] !== null);
  const used = asked.length > 0 ? await createRepos(trx).quotas.useOfAccount(accountId, trx) : null;
  for (const r of used ? asked : []) {
    const limit = effective[r] as number;
    const more = want[r] ?? 0;
    const inUse = (used as QuotaUse)[r];
    if (inUse + more > limit) {
      throw new ApiError('quota_exceeded', `quota exceeded for ${r}: the limit is ${limit}, ${inUse} in use, ${more} more requested`, { resource: r, limit, used: inUse, requested: more, accountId });
    }
  }
  await enforceDomainQuotas(trx, accountId, want);
}

/**
 * The quotas of the domains above the account (root first): each bounds the sum of its subtree's
 * accounts. Each domain's row is locked before its use is counted, so concurrent creates by
 * different accounts of one domain queue there and the sum holds (locks are taken account first,
 * then domains from the root down: always in the same order).
 */
async function enforceDomainQuotas(trx: Kysely<Database>, accountId: string, want: Partial<QuotaUse>): Promise<void> {
  const repos = createRepos(trx);
  for (const d of await repos.tenancy.quotaDomainsOf(accountId, trx)) {
    await trx.updateTable('domains').set({ id: d.id }).where('id', '=', d.id).execute();
    const limits = limitsOf(await repos.quotas.get('domain', d.id, trx));
    const asked = quotaResources.filter((r) => (want[r] ?? 0) > 0 && limits[r] !== null);
    if (asked.length === 0) continue;
    const used = await repos.quotas.useOfDomain(d.path, trx);
    for (const r of asked) {
      const limit = limits[r] as number; const more = want[r] ?? 0;
      if (used[r] + more > limit) {
        throw new ApiError('quota_exceeded', `quota of domain ${d.path} exceeded for ${r}: the limit is ${limit}, ${used[r]} in use by its accounts, ${more} more requested`,
          { resource: r, limit, used: used[r], requested: more, accountId, domainId: d.id });
      }
    }
  }
}

/** Limits as given: known resources, whole numbers ≥ 0 or null. */
function checkLimits(patch: Partial<QuotaLimits>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (!(quotaResources as readonly string[]).includes(k)) throw new ApiError('bad_request', `${k} is not a quota resource; one of ${quotaResources.join(', ')}`, { field: k });
    if (v !== null && (!Number.isInteger(v) || (v as number) < 0)) throw new ApiError('bad_request', `${k} must be a whole number ≥ 0, or null for the default`, { field: k });
  }
}

/** What GET /accounts/{id}/quota answers. */
export interface QuotaView { accountId: string; limits: QuotaLimits; defaults: QuotaLimits; effective: QuotaLimits; usage: QuotaUse }

/** Read and set quotas: owners read their own, admins read and set anyone's and the defaults. */
export class QuotaService {
  constructor(private readonly repos: Repos, private readonly clock: Clock) {}

  /** Every account's default limits (null: unlimited). */
  async defaults(): Promise<QuotaLimits> {
    return limitsOf(await this.repos.quotas.get(defaultQuotaOwner.ownerKind, defaultQuotaOwner.ownerId));
  }

  async show(scope: Scope, accountId: string): Promise<QuotaView> {
    // Its own account, its projects', and (domain admins) its subtree's: the tenancy scope decides.
    if (!(await this.repos.tenancy.accountVisible(scope, accountId))) throw new ApiError('not_found', `account ${accountId} not found`);
    const { own, defaults, effective } = await effectiveLimits(this.repos.db, accountId);
    return { accountId, limits: own, defaults, effective, usage: await this.repos.quotas.useOfAccount(accountId) };
  }

  /** A domain's limits (they bound the sum of its subtree's accounts) and that sum. */
  async showDomain(domainId: string): Promise<{ domainId: string; limits: QuotaLimits; usage: QuotaUse }> {
    const d = await this.repos.tenancy.domain(domainId);
    if (!d) throw new ApiError('not_found', `domain ${domainId} not found`);
    return { domainId, limits: limitsOf(await this.repos.quotas.get('domain', domainId)), usage: await this.repos.quotas.useOfDomain(d.path) };
  }

  /** Set some of a domain's limits (null: unlimited). The caller's right to it is checked by the caller. */
  async setDomain(domainId: string, patch: Partial<QuotaLimits>): Promise<void> {
    if (!(await this.repos.tenancy.domain(domainId))) throw new ApiError('not_found', `domain ${domainId} not found`);
    checkLimits(patch);
    await this.repos.db.transaction().execute(async (trx) => {
      const cur = limitsOf(await this.repos.quotas.get('domain', domainId, trx));
      await this.repos.quotas.put({ ownerKind: 'domain', ownerId: domainId, ...cur, ...patch, updatedAt: new Date(this.clock.now()).toISOString() }, trx);
    });
  }

  /** Set some of an account's limits (null: back to the default); `accountId` '*' sets the defaults. Admins only (the route checks). */
  async set(scope: Scope, accountId: string, patch: Partial<QuotaLimits>): Promise<void> {
    if (accountId !== defaultQuotaOwner.ownerId && !(await this.repos.accounts.get(scope, accountId))) throw new ApiError('not_found', `account ${accountId} not found`);
    checkLimits(patch);
    await this.repos.db.transaction().execute(async (trx) => {
      const cur = limitsOf(await this.repos.quotas.get('account', accountId, trx));
      await this.repos.quotas.put({ ownerKind: 'account', ownerId: accountId, ...cur, ...patch, updatedAt: new Date(this.clock.now()).toISOString() }, trx);
    });
  }
}
