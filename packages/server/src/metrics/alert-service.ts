import {
  alertRuleForEvent, alertRules, defaultAlertThresholds, poolIsFull,
  type AlertRuleName, type AlertThresholds, type Clock,
} from '@kumo/core';
import { systemScope, type Repos } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import type { EventLog } from '../services/event-log.ts';
import type { Change, Notifier } from '../services/notifier.ts';
import { rawStepSec } from './metrics-ingest.ts';

export interface AlertOptions {
  thresholds: AlertThresholds;
  /** Where alerts are POSTed as JSON (none: events only). */
  webhookUrl?: string | undefined;
  /** How often series rules are evaluated (default 60 s, on the injected clock). */
  intervalMs: number;
  webhookTimeoutMs: number;
}

export const defaultAlertOptions: AlertOptions = { thresholds: defaultAlertThresholds, intervalMs: 60_000, webhookTimeoutMs: 5000 };

/** What a webhook receives for each alert. */
export interface AlertPayload {
  rule: AlertRuleName; severity: string; resourceType: string; resourceId: string; accountId: string; message: string; at: string;
}

/** One-off alert keys (an event, a failed operation) are forgotten after this long. */
export const oneOffAlertKeepMs = 7 * 24 * 3600 * 1000;

/**
 * Raises alerts: events of kind `alert.<rule>` with the rule's severity, in the account of the
 * resource (a tenant sees alerts about its instances, admins see all), POSTed to the webhook if one
 * is configured. Event rules fire on the notifier's change feed; series rules (pool full, CPU
 * saturated) every interval, once when the condition starts and again only after it has cleared.
 * What is firing lives in the database (alertStates): a restarted server does not raise a pool or
 * CPU alert again, and of several servers that see the same event or condition only one raises it.
 */
export class AlertService {
  private timer: unknown = null;
  private unsubscribe: (() => void) | null = null;
  private readonly pending = new Set<Promise<unknown>>();
  webhookFailures = 0;
  raised = 0;

  constructor(
    private readonly repos: Repos, private readonly clock: Clock, private readonly events: EventLog, private readonly notifier: Notifier,
    private readonly log: FastifyBaseLogger, readonly opts: AlertOptions = defaultAlertOptions,
  ) {}

  start(): void {
    this.unsubscribe = this.notifier.subscribe((c) => { this.track(this.onChange(c)); });
    this.schedule();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.settled();
  }

  /** Resolves when every alert in flight (event written, webhook answered) is done. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((e: unknown) => this.log.warn({ err: String(e) }, 'alert evaluation failed')).finally(() => this.pending.delete(q));
    this.pending.add(q);
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.track(this.evaluateSeries().finally(() => { if (this.timer !== null) this.schedule(); }));
    }, this.opts.intervalMs);
  }

  private async onChange(c: Change): Promise<void> {
    if (c.kind === 'event') {
      const e = await this.repos.events.get(systemScope, c.id);
      const rule = e ? alertRuleForEvent(e.kind) : null;
      if (!e || !rule || !(await this.fire(`event:${e.id}`, rule))) return;
      await this.raise(rule, { accountId: e.accountId, resourceType: e.resourceType, resourceId: e.resourceId, message: e.message });
    } else if (c.kind === 'operation' && c.status === 'failed') {
      if (!(await this.fire(`op:${c.id}`, 'operation-failed'))) return;
      const op = await this.repos.operations.getAny(c.id);
      if (!op) return;
      await this.raise('operation-failed', {
        accountId: op.accountId, resourceType: op.resourceType, resourceId: op.resourceId,
        message: `${op.kind} of ${op.resourceId} failed: ${op.errorMessage ?? op.message}`,
      });
    }
  }

  /** Evaluate the series rules now (the timer calls it every interval). */
  async evaluateSeries(): Promise<void> {
    const now = Math.floor(this.clock.now() / 1000);
    const t = this.opts.thresholds;
    const seen = new Set<string>();
    const firingPools = new Set(await this.repos.alertStates.firing('pool:'));
    const pools = await this.repos.db.selectFrom('pools').select(['id', 'name', 'hostId', 'capacityGiB', 'usedGiB']).execute();
    for (const p of pools) {
      if (!poolIsFull(p, t)) continue;
      const key = `pool:${p.id}`;
      seen.add(key);
      if (firingPools.has(key) || !(await this.fire(key, 'pool-full'))) continue;
      const pct = Math.round((100 * p.usedGiB) / p.capacityGiB);
      await this.raise('pool-full', { accountId: 'acct-system', resourceType: 'pool', resourceId: p.id, message: `pool ${p.name} is ${pct} % full (${p.usedGiB.toFixed(1)} of ${p.capacityGiB.toFixed(1)} GiB; threshold ${t.poolUsedPct} %)` });
    }
    // CPU saturated: every sample of the window at the threshold, reaching back to its start. The
    // alert clears when a sample shows the instance below it (not when samples are late or absent).
    const window = t.cpuSaturatedForSec;
    const firingCpu = new Set(await this.repos.alertStates.firing('cpu:'));
    for (const w of await this.repos.metrics.cpuWindow(now - window)) {
      const key = `cpu:${w.resourceId}`;
      if (w.minCpuPct < t.cpuSaturatedPct) { if (firingCpu.has(key)) await this.repos.alertStates.clear(key); continue; }
      if (firingCpu.has(key) || w.firstAt > now - window + 3 * rawStepSec) continue;
      const inst = await this.repos.instances.getAny(w.resourceId);
      if (!inst || !(await this.fire(key, 'instance-cpu-saturated'))) continue;
      await this.raise('instance-cpu-saturated', {
        accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id,
        message: `instance ${inst.name} has used all of its ${inst.vcpus} vCPU(s) for ${Math.round(window / 60)} minutes (host ${w.hostId})`,
      });
    }
    for (const k of firingPools) if (!seen.has(k)) await this.repos.alertStates.clear(k);
    const keepFrom = new Date(this.clock.now() - oneOffAlertKeepMs).toISOString();
    for (const rule of ['operation-failed', 'host-down', 'ha-restart', 'host-fenced'] as const) await this.repos.alertStates.prune(rule, keepFrom);
  }

  /** Mark a condition firing; true for the one caller (of every server) that should raise it. */
  private fire(key: string, rule: AlertRuleName): Promise<boolean> {
    return this.repos.alertStates.fire(key, rule, new Date(this.clock.now()).toISOString());
  }

  private async raise(rule: AlertRuleName, a: { accountId: string; resourceType: string; resourceId: string; message: string }): Promise<void> {
    const severity = alertRules[rule].severity;
    await this.events.record({ ...a, kind: `alert.${rule}`, severity });
    this.raised++;
    if (!this.opts.webhookUrl) return;
    const payload: AlertPayload = { rule, severity, ...a, at: new Date(this.clock.now()).toISOString() };
    try {
      const res = await fetch(this.opts.webhookUrl, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), signal: AbortSignal.timeout(this.opts.webhookTimeoutMs),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      await res.arrayBuffer();
    } catch (e) {
      this.webhookFailures++;
      this.log.warn({ rule, resourceId: a.resourceId, err: String(e) }, 'alert webhook failed');
    }
  }
}
