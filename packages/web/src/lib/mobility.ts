import type { HostEvacuation, HostEvacuationItem, Instance, MigrationCandidates, Operation } from '@kumo/api';

const ended = (op: Operation) => op.status === 'succeeded' || op.status === 'failed' || op.status === 'cancelled';
const mib = (bytes: number) => (Math.round((bytes / 1_048_576) * 10) / 10).toFixed(1);

/** The figures of a live migration's progress, as text ready for the screen; null when the host sent none. */
export interface MigrationFigures { stage: string; pass: number; sentMiB: string; remainingMiB: string; totalMiB: string; dirtyMiBs: string; downtimeMs: number }

export function migrationFigures(op: Pick<Operation, 'progressDetail'> | Pick<HostEvacuationItem, 'migration'>): MigrationFigures | null {
  const m = 'migration' in op ? op.migration : op.progressDetail?.migration;
  if (!m) return null;
  return {
    stage: m.stage, pass: m.pass, sentMiB: mib(m.ramTransferredBytes), remainingMiB: mib(m.ramRemainingBytes), totalMiB: mib(m.ramTotalBytes),
    dirtyMiBs: mib(m.dirtyRateBytesPerSec), downtimeMs: m.expectedDowntimeMs,
  };
}

/** The instance's migration under way (the newest instance.migrate operation that has not ended), if any. */
export function activeMigration(ops: readonly Operation[]): Operation | undefined {
  return ops.find((o) => o.kind === 'instance.migrate' && !ended(o));
}

/** Migrations that ended, newest first: the instance's migration history. */
export function migrationHistory(ops: readonly Operation[]): Operation[] {
  return ops.filter((o) => o.kind === 'instance.migrate' && ended(o)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** The Migrate dialog's choices from GET /instances/{id}/migration-candidates: hosts to pick (best first), and the others with their reason. */
export interface TargetChoices { hosts: Array<{ id: string; name: string }>; rejected: Array<{ id: string; name: string; reason: string }> }

export function targetChoices(c: Pick<MigrationCandidates, 'candidates' | 'rejected'>): TargetChoices {
  return {
    hosts: c.candidates.map((h) => ({ id: h.hostId, name: h.hostName })),
    rejected: [...c.rejected].sort((a, b) => a.hostName.localeCompare(b.hostName)).map((h) => ({ id: h.hostId, name: h.hostName, reason: h.reason })),
  };
}

/** The candidates route for the dialog's mode. */
export function candidatesPath(instanceId: string, mode: 'live' | 'cold'): string {
  return `/api/v1/instances/${encodeURIComponent(instanceId)}/migration-candidates?mode=${mode}`;
}

/** Live when it runs (or is paused), cold when it is stopped; other phases cannot move. */
export function defaultMode(instance: Pick<Instance, 'phase'>): 'live' | 'cold' | null {
  if (instance.phase === 'running' || instance.phase === 'paused') return 'live';
  if (instance.phase === 'stopped' || instance.phase === 'saved') return 'cold';
  return null;
}

/** The body of POST /instances/{id}/migrate for the dialog's choices ('' = automatic). */
export function migrateBody(hostId: string, mode: 'live' | 'cold'): { hostId?: string; live: boolean } {
  return { ...(hostId ? { hostId } : {}), live: mode === 'live' };
}

/** The instances an evacuation cannot move (blocked, failed), while it waits for the operator's choice. */
export function stuckItems(ev: HostEvacuation | undefined): HostEvacuationItem[] {
  if (!ev || ev.adminState !== 'preparing-maintenance') return [];
  return ev.items.filter((i) => i.state === 'blocked' || i.state === 'failed');
}

/** The evacuation waits for the operator: something cannot move and nothing else is left to do. */
export function waitsForChoice(ev: HostEvacuation | undefined): boolean {
  if (!ev || ev.options.stopRemaining) return false;
  return stuckItems(ev).length > 0 && (ev.counts.pending ?? 0) === 0 && (ev.counts.migrating ?? 0) === 0;
}

/** 0..1 of the evacuation done (moved or stopped), for its bar. */
export function evacuationDone(ev: HostEvacuation): number {
  if (ev.items.length === 0) return ev.adminState === 'in-maintenance' ? 1 : 0;
  return ev.items.filter((i) => i.state === 'moved' || i.state === 'stopped').length / ev.items.length;
}
