import { ApiError } from '@kumo/api';
import type { Ec2TagRow, Repos, Scope } from '@kumo/db';

/** EC2 resource types → whether the caller's account owns the Kumo resource of that id. */
type OwnershipCheck = (repos: Repos, scope: Scope, id: string) => Promise<boolean>;
const owned: Record<string, OwnershipCheck> = {
  instance: async (r, s, id) => (await r.instances.get(s, id))?.accountId === s.accountId,
  volume: async (r, s, id) => (await r.volumes.get(s, id))?.accountId === s.accountId,
  snapshot: async (r, s, id) => (await r.snapshots.get(s, id))?.accountId === s.accountId,
  'security-group': async (r, s, id) => (await r.securityGroups.get(s, id))?.accountId === s.accountId,
  'elastic-ip': async (r, s, id) => (await r.publicIps.get(s, id))?.accountId === s.accountId,
  vpc: async (r, s, id) => (await r.networks.get(s, id))?.accountId === s.accountId,
  subnet: async (r, s, id) => (await r.networks.get(s, id))?.accountId === s.accountId,
  'key-pair': async (r, s, id) => (await r.keypairs.get(s, id))?.accountId === s.accountId,
  image: async (r, s, id) => {
    const v = await r.imageVersions.getAny(id);
    return v !== undefined && (await r.images.get(s, v.imageId))?.accountId === s.accountId;
  },
};

/** Tags on an account's resources (the EC2 vocabulary's; the REST API has none yet). */
export class Ec2TagService {
  constructor(private readonly repos: Repos) {}

  async list(scope: Scope, resourceIds?: readonly string[]): Promise<Ec2TagRow[]> {
    return this.repos.ec2Tags.list(scope, resourceIds);
  }

  /** Tags on resources the account owns; one it does not own (or an unknown type) changes nothing and names the resource. */
  async set(scope: Scope, resources: ReadonlyArray<{ id: string; type: string }>, tags: ReadonlyArray<{ key: string; value: string }>): Promise<void> {
    for (const res of resources) {
      const check = owned[res.type];
      if (!check) throw new ApiError('bad_request', `resources of type ${res.type} cannot be tagged`, { field: 'resourceType' });
      if (!(await check(this.repos, scope, res.id))) throw new ApiError('not_found', `The resource '${res.id}' does not exist in this account`);
    }
    await this.repos.ec2Tags.put(scope, resources.flatMap((r) => tags.map((t) => ({ resourceId: r.id, resourceType: r.type, key: t.key, value: t.value }))));
  }

  async remove(scope: Scope, resourceIds: readonly string[], tags: ReadonlyArray<{ key: string; value: string | undefined }>): Promise<void> {
    await this.repos.ec2Tags.remove(scope, resourceIds, tags);
  }
}
