import type { MigrationStats } from './migration.ts';
import { DriverError } from './driver-error.ts';

/** Progress of long-running driver work (a save, a migration, a disk copy), streamed to the server. */
export interface JobProgress {
  /** What is happening now, e.g. "saving memory", "copying disk". */
  phase: string;
  /** 0–100 when known. */
  percent?: number;
  bytesDone?: number;
  bytesTotal?: number;
  /** Free-form detail for the operator (e.g. "pass 3, dirty rate 12 MiB/s"). */
  detail?: string;
  /** A live migration's figures (source side of Driver.migrate). */
  migration?: MigrationStats;
}

/**
 * Passed to long-running driver methods (start, save, restore; later migrations and disk copies).
 *
 * - `signal` aborts the work. The caller's deadline travels here too (an AbortSignal that fires
 *   when the operation's deadline passes). On abort the driver undoes what it did, leaves the host
 *   as it was before the call (a guest being saved keeps running; a start leaves nothing) and
 *   rejects with DriverError code 'cancelled'. A signal that is already aborted when the call
 *   begins rejects at once, changing nothing. Work that has already completed is not undone: an
 *   abort that arrives after the call resolved has no effect.
 * - `onProgress` receives progress as it happens, at least once per phase; the last report of a
 *   successful call comes before it resolves. A listener that throws is ignored.
 */
export interface DriverCallContext {
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
}

/** The DriverError (code 'cancelled') a driver rejects with once `signal` aborted `what`. */
export function cancelledError(what: string, signal: AbortSignal): DriverError {
  const r: unknown = signal.reason;
  const why = r instanceof Error ? r.message : typeof r === 'string' ? r : 'aborted by the caller';
  return new DriverError(`${what} cancelled: ${why}`, 'cancelled');
}
