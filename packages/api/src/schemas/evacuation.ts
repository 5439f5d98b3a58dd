import { Type, type Static } from '@sinclair/typebox';
import { Nullable, Timestamp } from './common.ts';
import { MigrationStatsSchema } from '../agent/spec-schemas.ts';

/** What happens to a host's stopped instances during its evacuation. */
export const StoppedInstancesPolicy = Type.Union([Type.Literal('move'), Type.Literal('leave')], {
  description: 'move: re-home them by cold migration; leave: they stay (stopped) on the host',
});

/**
 * POST /hosts/{id}/maintenance: how to evacuate. Asking again while the host prepares updates the
 * options of the evacuation under way (e.g. stopRemaining: true once the blocked list is known).
 */
export const HostMaintenanceRequest = Type.Object({
  concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 32, description: 'live migrations at once (default: the server\'s, 2)' })),
  stoppedInstances: Type.Optional(StoppedInstancesPolicy),
  stopRemaining: Type.Optional(Type.Boolean({ description: 'stop the instances that cannot move (blocked or failed) so that maintenance can begin' })),
}, { additionalProperties: false });

export const EvacuationItemState = Type.Union([
  Type.Literal('pending'), Type.Literal('migrating'), Type.Literal('moved'), Type.Literal('stopped'), Type.Literal('blocked'), Type.Literal('failed'),
], {
  description: 'pending: not started; migrating: its migration runs; moved: on another host; stopped: stays stopped on the host; blocked: cannot move (reason); failed: its migration failed (reason)',
});

export const HostEvacuationItem = Type.Object({
  instanceId: Type.String(), name: Type.String(), accountId: Nullable(Type.String()),
  state: EvacuationItemState,
  reason: Nullable(Type.String()),
  operationId: Nullable(Type.String({ description: 'the migration (or stop) the evacuation asked for' })),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  migration: Nullable(MigrationStatsSchema),
  updatedAt: Timestamp,
});

/** GET /hosts/{id}/evacuation: the host's latest evacuation, per instance. */
export const HostEvacuation = Type.Object({
  hostId: Type.String(),
  adminState: Type.String(),
  options: Type.Object({ concurrency: Type.Integer(), stoppedInstances: StoppedInstancesPolicy, stopRemaining: Type.Boolean() }),
  operationId: Nullable(Type.String({ description: 'the host.maintenance operation, while it runs' })),
  counts: Type.Record(Type.String(), Type.Integer()),
  items: Type.Array(HostEvacuationItem),
});

export type StoppedInstancesPolicy = Static<typeof StoppedInstancesPolicy>;
export type HostMaintenanceRequest = Static<typeof HostMaintenanceRequest>;
export type HostEvacuationItem = Static<typeof HostEvacuationItem>;
export type HostEvacuation = Static<typeof HostEvacuation>;
