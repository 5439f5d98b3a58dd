import type { Host, Operation } from '@kumo/api';
import type { ConsoleAction } from './instance-actions.ts';

/** The operation kinds the API can cancel while they run (POST /operations/{id}/cancel). */
export const cancellableKinds: readonly string[] = ['instance.save', 'instance.restore', 'instance.migrate'];

const ended = (op: Operation) => op.status === 'succeeded' || op.status === 'failed' || op.status === 'cancelled';

/** Show a Cancel button: a cancellable kind, not ended, and no cancel asked yet. */
export function canCancel(op: Operation): boolean {
  return cancellableKinds.includes(op.kind) && !ended(op) && op.cancelRequestedAt === null;
}

/** A cancel was asked and the operation has not ended yet ("cancelling…"). */
export function isCancelling(op: Operation): boolean {
  return op.cancelRequestedAt !== null && !ended(op);
}

const mib = (bytes: number) => (Math.round((bytes / 1_048_576) * 10) / 10).toFixed(1);

/** "31.0" and "128.0" (MiB) when the host reported bytes for the job, else null. */
export function progressBytes(op: Operation): { done: string; total: string } | null {
  const d = op.progressDetail;
  if (!d || d.bytesDone === undefined || d.bytesTotal === undefined || d.bytesTotal <= 0) return null;
  return { done: mib(d.bytesDone), total: mib(d.bytesTotal) };
}

/** The capability a console action needs from the instance's host, if any (core capabilityGatedMethods). */
export function actionCapability(a: ConsoleAction): string | null {
  if (a === 'save' || a === 'restore') return 'save-restore';
  if (a === 'pause' || a === 'resume') return 'pause';
  return null;
}

/** The capability the host lacks for this action, or null when it has it (or the host is unknown). */
export function missingCapability(host: Pick<Host, 'capabilities'> | undefined, a: ConsoleAction): string | null {
  const need = actionCapability(a);
  if (!need || !host) return null;
  return host.capabilities.includes(need) ? null : need;
}
