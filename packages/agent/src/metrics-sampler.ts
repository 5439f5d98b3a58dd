/**
 * Samples the host and every instance each interval (10 s by default) and keeps the samples until
 * the next heartbeat takes them (`takeBatch`). Rates come from two consecutive readings of the
 * driver's and /proc's counters (core counter-rates.ts), so the first round after a start only
 * primes. While the server is away the backlog is kept up to a bound, oldest dropped first.
 */
import {
  hostSampleBetween, instanceSampleBetween,
  type Driver, type HostCounters, type HostMetricSample, type InstanceCounters, type InstanceMetricSample, type MetricBatch,
} from '@kumo/core';
import { maxSamplesPerHeartbeat, type PoolReport } from '@kumo/api';
import { readHostCounters } from './host-counters.ts';

export interface MetricsSamplerOptions {
  driver: Pick<Driver, 'sampleInstances'>;
  pools: () => Promise<PoolReport[]>;
  /** Default 10 000 ms. */
  intervalMs?: number;
  /** Default: /proc of this machine. */
  readHost?: () => Promise<HostCounters>;
  /** Samples kept while no heartbeat takes them (per kind); default maxSamplesPerHeartbeat. */
  maxBacklog?: number;
  onError?: (err: unknown) => void;
}

export const defaultSampleIntervalMs = 10_000;

export class MetricsSampler {
  private prevHost: HostCounters | null = null;
  private prevInstances = new Map<string, InstanceCounters>();
  private host: HostMetricSample[] = [];
  private instances: InstanceMetricSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  readonly intervalMs: number;

  constructor(private readonly opts: MetricsSamplerOptions) {
    this.intervalMs = opts.intervalMs ?? defaultSampleIntervalMs;
  }

  start(): void {
    if (this.timer) return;
    void this.sampleOnce();
    this.timer = setInterval(() => { void this.sampleOnce(); }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round: read every counter, turn the change since the last round into samples. Never rejects. */
  sampleOnce(): Promise<void> {
    this.running ??= this.round().catch((e: unknown) => this.opts.onError?.(e)).finally(() => { this.running = null; });
    return this.running;
  }

  private async round(): Promise<void> {
    const [counters, hostNow, pools] = await Promise.all([
      this.opts.driver.sampleInstances?.() ?? Promise.resolve([]),
      (this.opts.readHost ?? (() => readHostCounters()))(),
      this.opts.pools().catch(() => []),
    ]);
    const next = new Map<string, InstanceCounters>();
    const round: InstanceMetricSample[] = [];
    for (const c of counters) {
      next.set(c.instanceId, c);
      const prev = this.prevInstances.get(c.instanceId);
      const s = prev ? instanceSampleBetween(prev, c) : null;
      if (s) round.push(s);
    }
    this.prevInstances = next;
    const hostSample = this.prevHost ? hostSampleBetween(this.prevHost, hostNow, round, pools) : null;
    this.prevHost = hostNow;
    this.instances.push(...round);
    if (hostSample) this.host.push(hostSample);
    const max = this.opts.maxBacklog ?? maxSamplesPerHeartbeat;
    if (this.instances.length > max) this.instances.splice(0, this.instances.length - max);
    if (this.host.length > max) this.host.splice(0, this.host.length - max);
  }

  /** The samples taken since the last call, or null when there are none. */
  takeBatch(): MetricBatch | null {
    if (this.host.length === 0 && this.instances.length === 0) return null;
    const batch = { host: this.host, instances: this.instances };
    this.host = [];
    this.instances = [];
    return batch;
  }
}
