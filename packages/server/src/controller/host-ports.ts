import type { Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { Repos } from '@kumo/db';

export interface HostPortRange { first: number; last: number }

/** The ports host-to-host transfers listen on, unless the operator configures others. */
export const defaultTransferPorts: HostPortRange = { first: 49152, last: 49407 };

/**
 * Allocates ports on a host for host-to-host transfers (migration streams, disk mirrors). A port is
 * a row in hostPorts with (hostId, port) as primary key, so two allocations (or two servers) can
 * never hand out the same port on one host; the lowest free one is taken.
 */
export class HostPorts {
  constructor(private readonly repos: Repos, private readonly clock: Clock, private readonly range: HostPortRange = defaultTransferPorts) {}

  async allocate(hostId: string, purpose: string, resourceId: string): Promise<number> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const used = new Set((await this.repos.db.selectFrom('hostPorts').select('port').where('hostId', '=', hostId).execute()).map((r) => r.port));
      let port = this.range.first;
      while (port <= this.range.last && used.has(port)) port++;
      if (port > this.range.last) {
        throw new ApiError('no_capacity', `host ${hostId} has no free transfer port in ${this.range.first}-${this.range.last}`, { resource: 'transfer ports', hostId });
      }
      try {
        await this.repos.db.insertInto('hostPorts').values({ hostId, port, purpose, resourceId, createdAt: new Date(this.clock.now()).toISOString() }).execute();
        return port;
      } catch { /* taken between the read and the insert: look again */ }
    }
    throw new ApiError('conflict', `could not allocate a transfer port on host ${hostId}; retry`);
  }

  /** The port held for (host, purpose, resource), allocated on first ask: a step that runs again gets the same one. */
  async allocateOnce(hostId: string, purpose: string, resourceId: string): Promise<number> {
    const held = await this.repos.db.selectFrom('hostPorts').select('port').where('hostId', '=', hostId).where('purpose', '=', purpose)
      .where('resourceId', '=', resourceId).executeTakeFirst();
    return held?.port ?? this.allocate(hostId, purpose, resourceId);
  }

  /** Every port held for a resource, on any host. */
  async releaseAllOf(resourceId: string): Promise<void> {
    await this.repos.db.deleteFrom('hostPorts').where('resourceId', '=', resourceId).execute();
  }

  async release(hostId: string, port: number): Promise<void> {
    await this.repos.db.deleteFrom('hostPorts').where('hostId', '=', hostId).where('port', '=', port).execute();
  }

  async inUse(hostId: string): Promise<number[]> {
    return (await this.repos.db.selectFrom('hostPorts').select('port').where('hostId', '=', hostId).orderBy('port').execute()).map((r) => r.port);
  }
}
