import { ApiError } from '@kumo/api';
import type { Clock } from '@kumo/core';
import type { InstanceRow, Repos, Scope } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import type { Notifier } from './notifier.ts';
import { publishNetworkChanges } from './network-tx.ts';

export type MetadataHttpTokens = 'required' | 'optional';

/**
 * An instance's metadata options (EC2's MetadataOptions): whether its metadata service requires
 * IMDSv2 session tokens. Takes effect at once, running or not: the networks of its NICs are
 * republished, so their hosts rewrite the metadata table the service reads on its next request.
 */
export class InstanceMetadataOptionsService {
  constructor(private readonly repos: Repos, private readonly events: EventLog, private readonly notifier: Notifier, private readonly clock: Clock) {}

  async setHttpTokens(scope: Scope, id: string, httpTokens: MetadataHttpTokens): Promise<InstanceRow> {
    if (httpTokens !== 'required' && httpTokens !== 'optional') throw new ApiError('bad_request', 'metadataHttpTokens is required or optional', { field: 'metadataHttpTokens' });
    const inst = await this.repos.instances.get(scope, id);
    if (!inst || inst.phase === 'deleted') throw new ApiError('not_found', `instance ${id} not found`);
    if ((inst.metadataHttpTokens ?? 'optional') === httpTokens) return inst;
    await this.repos.instances.update(scope, inst.id, { metadataHttpTokens: httpTokens, updatedAt: new Date(this.clock.now()).toISOString() });
    await this.events.record({
      accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind: 'instance.metadata-options.changed',
      message: httpTokens === 'required' ? 'metadata service: IMDSv2 session tokens required' : 'metadata service: IMDSv1 allowed (tokens optional)',
    });
    this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
    await publishNetworkChanges(this.notifier, this.repos.db, (await this.repos.nics.ofInstance(inst.id)).map((n) => n.networkId));
    return (await this.repos.instances.get(scope, inst.id))!;
  }
}
