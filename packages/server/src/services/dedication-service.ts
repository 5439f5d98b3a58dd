import { ApiError } from '@kumo/api';
import { dedicationKinds, type DedicationKind, type DedicationRow, type Repos, type Scope } from '@kumo/db';

/**
 * Dedicated resources (CloudStack's "dedicate zone/pod/cluster/host"): a zone, pod, cluster or
 * host reserved for one account. The scheduler then places that account's instances only on what
 * is dedicated to it, and no other account's there (placement.ts; the host's dedication is its
 * own, else its cluster's, pod's or zone's). Admins only. Domains are the next kind of owner.
 */
export class DedicationService {
  constructor(private readonly repos: Repos) {}

  async list(scope: Scope, accountId?: string): Promise<DedicationRow[]> {
    if (!scope.admin) throw new ApiError('forbidden', 'only admins manage dedicated resources');
    return this.repos.dedications.list(accountId);
  }

  /**
   * Dedicate `id` (of `kind`) to `accountId`. Refused, changing nothing, when another account's
   * dedication overlaps it (above or inside) or another account's instances are placed in it.
   */
  async dedicate(scope: Scope, kind: string, id: string, accountId: string): Promise<DedicationRow> {
    const target = await this.target(scope, kind, id);
    if (!(await this.repos.accounts.get(scope, accountId))) throw new ApiError('bad_request', `account ${accountId} does not exist`, { field: 'accountId' });
    const overlaps = await this.repos.dedications.overlapping(target, accountId);
    if (overlaps.length > 0) {
      const o = overlaps[0] as DedicationRow;
      throw new ApiError('conflict', `${kind} ${target.name} overlaps ${o.kind} ${o.name}, which is dedicated to account ${o.accountId}; release that first`, { field: 'id', dedications: overlaps });
    }
    const others = await this.repos.dedications.otherAccountsInstances(target, accountId);
    if (others.length > 0) {
      throw new ApiError('in_use', `${kind} ${target.name} holds instances of other accounts; move or delete them first`, { instanceIds: others });
    }
    await this.repos.dedications.set(target.kind, target.id, accountId);
    return { kind: target.kind, id: target.id, name: target.name, zoneId: target.zoneId, accountId };
  }

  /** Make the resource shared again (releasing what is not dedicated does nothing). */
  async release(scope: Scope, kind: string, id: string): Promise<void> {
    const target = await this.target(scope, kind, id);
    await this.repos.dedications.set(target.kind, target.id, null);
  }

  private async target(scope: Scope, kind: string, id: string) {
    if (!scope.admin) throw new ApiError('forbidden', 'only admins manage dedicated resources');
    if (!dedicationKinds.includes(kind as DedicationKind)) throw new ApiError('bad_request', `kind must be one of ${dedicationKinds.join(', ')}`, { field: 'kind' });
    const t = await this.repos.dedications.target(kind as DedicationKind, id);
    if (!t) throw new ApiError('not_found', `${kind} ${id} not found`);
    return t;
  }
}

/**
 * Tenants do not choose pods or clusters — the scheduler does — unless the pod or cluster is
 * dedicated to their account (itself or through its pod or zone). The same answer whether the pod
 * exists or not, so it tells nothing about the infrastructure. Admins pin anywhere.
 */
export async function checkPinning(repos: Repos, scope: Scope, body: { podId?: string | undefined; clusterId?: string | undefined }): Promise<void> {
  if (scope.admin) return;
  for (const [kind, id] of [['pod', body.podId], ['cluster', body.clusterId]] as const) {
    if (id === undefined) continue;
    if ((await repos.dedications.effectiveAccount(kind, id)) !== scope.accountId) {
      throw new ApiError('forbidden', `${kind}Id: only a ${kind} dedicated to your account can be chosen; leave it out and the scheduler places the instance`, { field: `${kind}Id` });
    }
  }
}
