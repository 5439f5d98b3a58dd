import { PeriodicTask, type Clock } from '@kumo/core';
import type { Repos, UsageRollupRow } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import { hourMs, integrateLevels, UsageBuckets } from '../services/usage-integration.ts';

export interface UsageRollupOptions {
  /** How often the job looks for hours to close (injected clock). */
  intervalMs: number;
  /**
   * An hour closes this long after it ends: a usage event is stamped with the time of its change
   * and committed with it, so this bounds how late a slow transaction (or a server's clock) may be.
   */
  graceMs: number;
  /** Hours closed per transaction when catching up (a long outage, the first run over old events). */
  hoursPerStep: number;
}
export const defaultUsageRollupOptions: UsageRollupOptions = { intervalMs: 60_000, graceMs: 5 * 60_000, hoursPerStep: 24 };

export interface UsageRollupReport { closedFrom: string | null; closedUntil: string | null; hours: number; rows: number }

const dayMs = 24 * hourMs;

/**
 * Rolls usage events up into hourly and daily records (migration 025), incrementally: each round
 * closes the hours between the cursor and (now − grace), oldest first, in steps of `hoursPerStep`
 * hours per transaction (usageRollups.close). An hour is closed once; the numbers are what the
 * event history says, so a step cut short by a crash is simply done again. On first run the
 * cursor starts at the UTC day of the first event, so every day has its day rows.
 */
export class UsageRollupJob {
  private running: Promise<UsageRollupReport> | null = null;
  private readonly task: PeriodicTask;

  constructor(private readonly repos: Repos, private readonly clock: Clock, private readonly log: FastifyBaseLogger, private readonly opts: UsageRollupOptions) {
    this.task = new PeriodicTask(clock, opts.intervalMs, () => this.runOnce(), (e) => this.log.error({ err: e }, 'usage rollup failed'));
  }

  start(): void { this.task.start(); }

  stop(): void { this.task.stop(); }

  /** Close every hour that is due (a round already running is joined, not doubled). */
  runOnce(): Promise<UsageRollupReport> {
    this.running ??= this.round().finally(() => { this.running = null; });
    return this.running;
  }

  private async round(): Promise<UsageRollupReport> {
    const target = Math.floor((this.clock.now() - this.opts.graceMs) / hourMs) * hourMs;
    let cursor = await this.repos.usageRollups.closedUntil();
    const report: UsageRollupReport = { closedFrom: cursor, closedUntil: cursor, hours: 0, rows: 0 };
    let from: number;
    if (cursor === null) {
      const first = await this.repos.usageEvents.firstAt();
      if (first === null) return report; // nothing metered yet
      from = Math.floor(Date.parse(first) / dayMs) * dayMs;
      report.closedFrom = new Date(from).toISOString();
    } else {
      from = Date.parse(cursor);
    }
    while (from < target) {
      const to = Math.min(target, from + this.opts.hoursPerStep * hourMs);
      const fromIso = new Date(from).toISOString(); const toIso = new Date(to).toISOString();
      const closedAt = new Date(this.clock.now()).toISOString();
      const buckets = new UsageBuckets();
      integrateLevels(await this.repos.usageEvents.windowOfAll(fromIso, toIso), from, to, 'hour', buckets);
      const rows: UsageRollupRow[] = buckets.amounts().map((a) => ({
        granularity: 'hour', start: new Date(a.start).toISOString(), ownerKind: a.ownerKind, ownerId: a.ownerId,
        meter: a.meter, offeringKey: a.offeringId ?? '', amount: a.amount, closedAt,
      }));
      if (!(await this.repos.usageRollups.close(cursor, cursor === null ? fromIso : cursor, toIso, rows, closedAt))) {
        this.log.info({ from: fromIso }, 'usage rollup: another server closed these hours first');
        break;
      }
      report.hours += (to - from) / hourMs; report.rows += rows.length; report.closedUntil = toIso;
      cursor = toIso; from = to;
    }
    return report;
  }
}
