import type { NetworkRow, Repos, Scope } from '@kumo/db';

/** The services a cascade deletes through (the same the API's DELETE routes call). */
export interface ReaperServices {
  repos: Repos;
  deleteInstance(scope: Scope, id: string): Promise<unknown>;
  deleteVolume(scope: Scope, id: string): Promise<unknown>;
  deleteSnapshot(scope: Scope, id: string): Promise<unknown>;
  deleteLoadBalancer(scope: Scope, id: string): Promise<unknown>;
  releasePublicIp(scope: Scope, id: string): Promise<unknown>;
  deleteNetwork(scope: Scope, row: NetworkRow): Promise<unknown>;
  deleteSecurityGroup(scope: Scope, id: string): Promise<unknown>;
  deleteKeypair(scope: Scope, id: string): Promise<unknown>;
  deleteAffinityGroup(scope: Scope, id: string): Promise<unknown>;
  deleteImage(scope: Scope, id: string): Promise<unknown>;
}

/**
 * `account delete --cascade`: ask for the deletion of everything the account owns, through the
 * same services the API's DELETE routes use (so each leaves its usual trail: operations, events,
 * usage records, quota release). Instances, volumes and snapshots are deleted by the controller in
 * the background; what cannot go yet (a network whose instances are still being deleted) goes on
 * the next call. Errors of single resources are collected and returned, not thrown.
 */
export async function reapAccount(s: ReaperServices, accountId: string): Promise<string[]> {
  const scope: Scope = { accountId, admin: false };
  const { repos } = s;
  const errors: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => { try { await fn(); } catch (e) { errors.push(`${what}: ${(e as Error).message}`); } };
  const live = await repos.tenancy.liveOwned(accountId);
  for (const id of live.instances) await attempt(`instance ${id}`, () => s.deleteInstance(scope, id));
  for (const id of live.snapshots) await attempt(`snapshot ${id}`, () => s.deleteSnapshot(scope, id));
  for (const id of live.freeDataVolumes) await attempt(`volume ${id}`, () => s.deleteVolume(scope, id));
  const page = { limit: 1000 };
  const own = <T extends { accountId: string }>(rows: T[]) => rows.filter((r) => r.accountId === accountId);
  for (const lb of own((await repos.loadBalancers.list(scope, page)).items)) await attempt(`load balancer ${lb.id}`, () => s.deleteLoadBalancer(scope, lb.id));
  for (const ip of own((await repos.publicIps.list(scope, page)).items)) await attempt(`public IP ${ip.id}`, () => s.releasePublicIp(scope, ip.id));
  for (const n of own((await repos.networks.list(scope, page)).items)) await attempt(`network ${n.id}`, () => s.deleteNetwork(scope, n));
  for (const g of own((await repos.securityGroups.list(scope, page)).items)) await attempt(`security group ${g.id}`, () => s.deleteSecurityGroup(scope, g.id));
  for (const k of own((await repos.keypairs.list(scope, page)).items)) await attempt(`key pair ${k.id}`, () => s.deleteKeypair(scope, k.id));
  for (const g of own((await repos.affinityGroups.list(scope, page)).items)) await attempt(`affinity group ${g.id}`, () => s.deleteAffinityGroup(scope, g.id));
  for (const i of own((await repos.images.list(scope, page)).items)) await attempt(`image ${i.id}`, () => s.deleteImage(scope, i.id));
  return errors;
}
