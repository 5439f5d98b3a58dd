/**
 * The lifecycle enumerations, defined once: the API schemas (TypeBox unions built from these
 * lists), the database row types, the scheduler and the web console (through @kumo/api) all use
 * them. Importable alone as `@kumo/core/lifecycle` (no I/O, nothing Node-only), so the browser
 * bundle can carry them.
 */

/** What the user wants (written by the API only). */
export const desiredStates = ['running', 'stopped', 'paused', 'saved', 'deleted'] as const;
export type DesiredState = (typeof desiredStates)[number];

/** Where the instance is (written by the controller only). */
export const phases = ['pending', 'stopped', 'running', 'paused', 'saved', 'error', 'deleted'] as const;
export type Phase = (typeof phases)[number];

/** What the controller is doing right now (null when nothing). */
export const tasks = [
  'scheduling', 'provisioning', 'starting', 'stopping', 'rebooting', 'pausing', 'resuming', 'saving', 'restoring', 'deleting',
  'migrating',
] as const;
export type Task = (typeof tasks)[number];

/** What a user may ask of an instance (POST /instances/{id}/{action}; delete is DELETE). */
export const instanceActions = ['start', 'stop', 'reboot', 'pause', 'resume', 'save', 'restore', 'delete'] as const;
export type InstanceAction = (typeof instanceActions)[number];

/**
 * Power state as the hypervisor sees it (written from agent reports only). `incoming`: a copy waiting
 * for a migration stream (QEMU -incoming); it does not run until it takes over.
 */
export const powerStates = ['running', 'stopped', 'paused', 'saved', 'crashed', 'incoming', 'unknown'] as const;
export type PowerState = (typeof powerStates)[number];

/** A host's liveness as the server sees it: its agent's connection and heartbeats. */
export const hostStates = ['up', 'disconnected', 'down'] as const;
export type HostState = (typeof hostStates)[number];

/** What an admin set: in service, out of it, or on the way into maintenance (the host reconciler's state machine). */
export const hostAdminStates = ['enabled', 'disabled', 'preparing-maintenance', 'in-maintenance'] as const;
export type HostAdminState = (typeof hostAdminStates)[number];

/** Where an operation (the resource a mutation returns with 202) is. */
export const operationStatuses = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type OperationStatus = (typeof operationStatuses)[number];

/** Is `v` one of the power states (for values that arrive over the wire)? */
export function isPowerState(v: unknown): v is PowerState {
  return typeof v === 'string' && (powerStates as readonly string[]).includes(v);
}
