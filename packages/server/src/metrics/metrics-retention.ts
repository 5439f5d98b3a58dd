import { PeriodicTask, type Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';
import { rawStepSec } from './metrics-ingest.ts';

export interface MetricsRetentionOptions {
  /** How long raw 10 s samples are kept (default 1 day). */
  rawKeepSec: number;
  /** How long 5-minute rollups are kept (default 30 days). */
  rollupKeepSec: number;
  /** Rollup bucket (default 300 s). */
  rollupStepSec: number;
  /** How often the pass runs (default 60 s). */
  intervalMs: number;
}

export const defaultMetricsRetention: MetricsRetentionOptions = { rawKeepSec: 86_400, rollupKeepSec: 30 * 86_400, rollupStepSec: 300, intervalMs: 60_000 };

/**
 * Keeps the metric store bounded: rolls raw samples up into 5-minute rows (recomputing the last
 * few buckets, so samples that arrived late count) and deletes raw rows past a day and rollups past
 * 30 days. Runs on the injected clock; every pass is idempotent, so several servers may run it.
 */
export class MetricsRetention {
  lastPass: { rolledFrom: number; rolledTo: number; prunedRaw: number; prunedRollups: number } | null = null;
  private readonly task: PeriodicTask;

  constructor(private readonly repos: Repos, private readonly clock: Clock, readonly opts: MetricsRetentionOptions = defaultMetricsRetention) {
    this.task = new PeriodicTask(clock, opts.intervalMs, () => this.pass()); // a failed pass is redone by the next (every pass is idempotent)
  }

  start(): void { this.task.start(); }

  stop(): void { this.task.stop(); }

  /** One pass: roll up every complete bucket not rolled up yet (and the last three again), then prune. */
  async pass(): Promise<void> {
    const now = Math.floor(this.clock.now() / 1000);
    const step = this.opts.rollupStepSec;
    const currentBucket = Math.floor(now / step) * step;
    const last = await this.repos.metrics.lastRollup(step);
    const rawHorizon = Math.floor((now - this.opts.rawKeepSec) / step) * step;
    const from = Math.max(rawHorizon, last === null ? rawHorizon : last - 3 * step);
    if (from < currentBucket) await this.repos.metrics.rollUp(from, currentBucket, step);
    const prunedRaw = await this.repos.metrics.prune(rawStepSec, now - this.opts.rawKeepSec);
    const prunedRollups = await this.repos.metrics.prune(step, now - this.opts.rollupKeepSec);
    this.lastPass = { rolledFrom: from, rolledTo: currentBucket, prunedRaw, prunedRollups };
  }
}
