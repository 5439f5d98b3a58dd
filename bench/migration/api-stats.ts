/**
 * Summary of the through-the-API migration bench (api-bench.ts): p50 by nearest rank and worst of
 * each figure over the runs of one workload. Pure, tested in api-stats.test.ts.
 */

/** One migration through the API: wall time seen by the client, and QEMU's figures from the history. */
export interface ApiRun {
  /** POST /instances/{id}/migrate → the operation reported succeeded (client side, long poll on the operation). */
  apiWallMs: number;
  /** The migration record's createdAt → finishedAt (server side). */
  recordMs: number;
  /** The migration record's createdAt → startedAt (waiting for its turn and the agent's job to start). */
  queuedMs: number;
  /** QEMU's total-time and downtime, RAM transferred and passes, as the history reports them. */
  totalMs: number;
  downtimeMs: number;
  ramMiB: number;
  passes: number;
}

export interface FigureSummary { p50: number; worst: number }
export type ApiSummary = { runs: number } & Record<keyof ApiRun, FigureSummary>;

/** The p-th percentile by nearest rank (p50 of [1,2,3,4] is 2). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error('percentile of no values');
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

const FIELDS: ReadonlyArray<keyof ApiRun> = ['apiWallMs', 'recordMs', 'queuedMs', 'totalMs', 'downtimeMs', 'ramMiB', 'passes'];

/** p50 and worst (the largest) of every figure; rounded to whole units. */
export function summarizeApiRuns(runs: readonly ApiRun[]): ApiSummary {
  if (runs.length === 0) throw new Error('no runs to summarize');
  const out = { runs: runs.length } as ApiSummary;
  for (const f of FIELDS) {
    const xs = runs.map((r) => r[f]);
    out[f] = { p50: Math.round(percentile(xs, 50)), worst: Math.round(Math.max(...xs)) };
  }
  return out;
}

/** Milliseconds between two ISO timestamps; fails naming the field when one is missing. */
export function spanMs(from: string | null, to: string | null, what: string): number {
  if (!from || !to) throw new Error(`${what}: timestamp missing (from ${String(from)}, to ${String(to)})`);
  return Date.parse(to) - Date.parse(from);
}
