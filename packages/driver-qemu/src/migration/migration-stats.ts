/**
 * QEMU's `query-migrate` answer → MigrationStats (live figures) and MigrationResult (at the end),
 * and MigrationPolicy → QMP parameters and capabilities. Pure.
 */
import type { MigrationPolicy, MigrationResult, MigrationStats } from '@kumo/core';

/** The parts of QEMU's MigrationInfo the driver reads. */
export interface QueryMigrate {
  status?: string;
  'error-desc'?: string;
  'total-time'?: number;
  downtime?: number;
  'setup-time'?: number;
  'expected-downtime'?: number;
  'cpu-throttle-percentage'?: number;
  'postcopy-requests'?: number;
  ram?: {
    transferred?: number;
    remaining?: number;
    total?: number;
    'dirty-sync-count'?: number;
    'dirty-pages-rate'?: number;
    'page-size'?: number;
  };
}

/** QEMU takes max-bandwidth 0 as "no limit" only in some versions: unlimited is sent as 1 TB/s. */
export const UNLIMITED_BANDWIDTH = 1_000_000_000_000;

export function migrationParameters(policy: MigrationPolicy): Record<string, number> {
  return {
    'downtime-limit': Math.max(1, Math.round(policy.downtimeLimitMs)),
    'max-bandwidth': policy.maxBandwidthBytesPerSec > 0 ? Math.round(policy.maxBandwidthBytesPerSec) : UNLIMITED_BANDWIDTH,
  };
}

export function migrationCapabilities(policy: MigrationPolicy): Array<{ capability: string; state: boolean }> {
  return [
    { capability: 'events', state: true },
    { capability: 'auto-converge', state: policy.autoConverge },
    { capability: 'postcopy-ram', state: policy.postcopyAfterPasses !== null },
  ];
}

export function stageOf(status: string | undefined): MigrationStats['stage'] {
  switch (status) {
    case 'postcopy-active':
    case 'postcopy-paused':
    case 'postcopy-recover':
      return 'post-copy';
    case 'device':
    case 'pre-switchover':
    case 'completed':
      return 'completing';
    default:
      return 'pre-copy';
  }
}

export function statsFrom(q: QueryMigrate, diskRemainingBytes: number): MigrationStats {
  const ram = q.ram ?? {};
  return {
    stage: stageOf(q.status),
    pass: ram['dirty-sync-count'] ?? 0,
    ramTransferredBytes: ram.transferred ?? 0,
    ramRemainingBytes: ram.remaining ?? 0,
    ramTotalBytes: ram.total ?? 0,
    dirtyRateBytesPerSec: (ram['dirty-pages-rate'] ?? 0) * (ram['page-size'] ?? 4096),
    expectedDowntimeMs: q['expected-downtime'] ?? 0,
    diskRemainingBytes,
    throttlePercent: q['cpu-throttle-percentage'] ?? 0,
  };
}

export function resultFrom(q: QueryMigrate, postcopy: boolean, diskBytes: number): MigrationResult {
  return {
    totalMs: q['total-time'] ?? 0,
    downtimeMs: q.downtime ?? 0,
    setupMs: q['setup-time'] ?? 0,
    ramTransferredBytes: q.ram?.transferred ?? 0,
    passes: q.ram?.['dirty-sync-count'] ?? 0,
    postcopy,
    diskBytes,
  };
}

/** A one-line summary for JobProgress.detail. */
export function detailOf(s: MigrationStats): string {
  const MiB = 1024 * 1024;
  if (s.stage === 'mirroring-disks') return `mirroring disks, ${(s.diskRemainingBytes / MiB).toFixed(1)} MiB to go`;
  const parts = [`${s.stage}, pass ${s.pass}`, `${(s.ramRemainingBytes / MiB).toFixed(1)} MiB to go`, `dirty rate ${(s.dirtyRateBytesPerSec / MiB).toFixed(1)} MiB/s`];
  if (s.throttlePercent > 0) parts.push(`throttle ${s.throttlePercent} %`);
  return parts.join(', ');
}
