import { ApiError } from '@kumo/api';
import { systemScope } from '@kumo/db';
import type { MigrationRequester } from '../services/migration-types.ts';
import type { ServerContext } from '../context.ts';
import { HostEvacuation, type EvacuationMover, type EvacuationOptions } from './host-evacuation.ts';
import type { HostReconciler } from './host-reconciler.ts';

/**
 * The evacuation's mover over the migration service: the scheduler picks each target. When no host
 * fits, the reason lists what every other host lacks (candidates()), so the operator sees why.
 */
export function migrationMover(migrations: MigrationRequester, cancel: (operationId: string) => Promise<unknown>): EvacuationMover {
  return {
    async migrate(instanceId, opts) {
      try {
        return await migrations.request({ accountId: opts.accountId, admin: true }, instanceId, { live: opts.live });
      } catch (e) {
        if (!(e instanceof ApiError) || e.status >= 500) throw e;
        const why = await migrations.candidates(instanceId, opts.live ? 'live' : 'cold').catch(() => null);
        if (!why || why.rejected.length === 0 || why.candidates.length > 0) throw e;
        const hosts = why.rejected.slice(0, 4).map((r) => `${r.hostName}: ${r.reason}`).join('; ');
        throw new ApiError(e.code, `${e.message} (${hosts}${why.rejected.length > 4 ? `; and ${why.rejected.length - 4} more hosts` : ''})`, e.details);
      }
    },
    async cancel(operationId) { await cancel(operationId); },
  };
}

/** Make the host reconciler evacuate by migration (build-server calls this once the migration service exists). */
export function enableHostEvacuation(hosts: HostReconciler, ctx: Pick<ServerContext, 'repos' | 'events' | 'clock' | 'instances' | 'opCancel'>, migrations: MigrationRequester, defaults?: EvacuationOptions): HostEvacuation {
  const mover = migrationMover(migrations, (id) => ctx.opCancel.cancel(systemScope, id));
  const evacuation = new HostEvacuation(ctx.repos, ctx.events, ctx.clock, mover, (id, accountId) => ctx.instances.act({ accountId, admin: true }, id, 'stop', {}), defaults);
  hosts.useEvacuation(evacuation);
  return evacuation;
}
