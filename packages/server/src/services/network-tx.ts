import type { Kysely } from 'kysely';
import type { Clock } from '@kumo/core';
import { createRepos, type Database, type Repos } from '@kumo/db';
import type { Notifier } from './notifier.ts';
import type { EventLog } from './event-log.ts';

/** What the networking services need from the server. */
export interface NetworkDeps {
  repos: Repos;
  clock: Clock;
  notifier: Notifier;
  events: EventLog;
}

export const isoNow = (clock: Clock): string => new Date(clock.now()).toISOString();

/**
 * Mark networks whose host-side configuration a write changes; bumped and published by runNetworkTx.
 * `accountId` names the owner for networks the transaction deletes (the others are looked up).
 */
export type Touch = (networkIds: string | Iterable<string>, accountId?: string) => void;

/**
 * One transaction of a networking write. Every network it touches gets configVersion + 1 in the
 * same transaction, and after the commit a `{kind: 'network'}` change is published for each, so
 * the data-plane reconciler re-derives those networks' host configuration.
 */
export async function runNetworkTx<R>(deps: NetworkDeps, fn: (trx: Kysely<Database>, touch: Touch) => Promise<R>): Promise<R> {
  const touched = new Set<string>();
  const owners = new Map<string, string>();
  const touch: Touch = (ids, accountId) => {
    for (const id of typeof ids === 'string' ? [ids] : ids) {
      touched.add(id);
      if (accountId !== undefined) owners.set(id, accountId);
    }
  };
  const result = await deps.repos.db.transaction().execute(async (trx) => {
    const r = await fn(trx, touch);
    if (touched.size > 0) {
      await deps.repos.networks.bumpConfig(trx, touched, isoNow(deps.clock));
      for (const [id, accountId] of await deps.repos.networks.ownersOf(touched, trx)) owners.set(id, accountId);
    }
    return r;
  });
  for (const id of touched) deps.notifier.publish({ kind: 'network', id, accountId: owners.get(id) ?? 'acct-system' });
  return result;
}

/**
 * Publish `{kind: 'network'}` changes for networks changed in a transaction that has committed
 * (for callers outside this module, e.g. instance create/destroy after allocateNics/releaseNics).
 */
export async function publishNetworkChanges(notifier: Notifier, db: Kysely<Database>, networkIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(networkIds)];
  if (ids.length === 0) return;
  const owners = await createRepos(db).networks.ownersOf(ids);
  for (const id of ids) notifier.publish({ kind: 'network', id, accountId: owners.get(id) ?? 'acct-system' });
}

/** Networks whose hosts must hear about membership changes of these groups (see NetworksRepo.dependingOnGroups). */
export async function networksDependingOnGroups(trx: Kysely<Database>, groupIds: readonly string[]): Promise<string[]> {
  return createRepos(trx).networks.dependingOnGroups(groupIds, trx);
}

/** Networks with a NIC in one of these groups. */
export async function networksOfGroupMembers(trx: Kysely<Database>, groupIds: readonly string[]): Promise<string[]> {
  return createRepos(trx).networks.withGroupMembers(groupIds, trx);
}
