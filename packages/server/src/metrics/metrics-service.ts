import type { Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { EventLog } from '../services/event-log.ts';
import type { Notifier } from '../services/notifier.ts';
import { AlertService, defaultAlertOptions, type AlertOptions } from './alert-service.ts';
import { registerInstanceSeries } from './instance-series-export.ts';
import { MetricsIngest } from './metrics-ingest.ts';
import { MetricsQueryService } from './metrics-query.ts';
import { MetricsRetention, defaultMetricsRetention, type MetricsRetentionOptions } from './metrics-retention.ts';

export interface MetricsServiceOptions {
  retention: MetricsRetentionOptions;
  alerts: AlertOptions;
  /** Export per-instance series (labelled by instance, account and host) in /metrics; default off. */
  exportInstanceSeries: boolean;
}

/** The server's metrics: ingest of agents' samples, the store's retention, queries and alerts. */
export class MetricsService {
  readonly ingest: MetricsIngest;
  readonly query: MetricsQueryService;
  readonly retention: MetricsRetention;
  readonly alerts: AlertService;
  readonly opts: MetricsServiceOptions;

  constructor(repos: Repos, clock: Clock, events: EventLog, notifier: Notifier, log: FastifyBaseLogger, registry: Registry, opts: Partial<MetricsServiceOptions> = {}) {
    this.opts = {
      retention: { ...defaultMetricsRetention, ...opts.retention },
      alerts: { ...defaultAlertOptions, ...opts.alerts },
      exportInstanceSeries: opts.exportInstanceSeries ?? false,
    };
    this.ingest = new MetricsIngest(repos);
    this.query = new MetricsQueryService(repos, clock, this.opts.retention);
    this.retention = new MetricsRetention(repos, clock, this.opts.retention);
    this.alerts = new AlertService(repos, clock, events, notifier, log, this.opts.alerts);
    if (this.opts.exportInstanceSeries) registerInstanceSeries(registry, () => this.ingest.latest.values(), () => Math.floor(clock.now() / 1000));
  }

  start(): void {
    this.retention.start();
    this.alerts.start();
  }

  async stop(): Promise<void> {
    this.retention.stop();
    await this.alerts.stop();
  }
}
