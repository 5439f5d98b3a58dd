/** Pure figures of the HA bench: percentiles of recovery times and copies seen at once. */
export interface HaRun {
  /** Host cut → the guest running on another host (ms). */
  recoveryMs: number;
  /** Most copies of the guest seen running at one sample (1 = never two). */
  maxCopies: number;
}

export interface HaSummary {
  runs: number;
  p50Ms: number;
  worstMs: number;
  /** Runs in which two copies were seen running at once. */
  duplicates: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no values');
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function summarize(runs: readonly HaRun[]): HaSummary {
  const times = runs.map((r) => r.recoveryMs).sort((a, b) => a - b);
  return { runs: runs.length, p50Ms: percentile(times, 50), worstMs: times.at(-1)!, duplicates: runs.filter((r) => r.maxCopies > 1).length };
}
