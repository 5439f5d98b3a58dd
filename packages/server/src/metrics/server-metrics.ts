import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the metrics read at scrape time (gauges are computed then, never kept up to date by hand). */
export interface MetricsSources {
  queueDepth(): number;
  connectedAgents(): number;
  pendingJobs(): number;
  staleReports(): number;
  /** The PostgreSQL connection pool now; null on SQLite (one connection, no pool). */
  dbPool?(): { total: number; idle: number; waiting: number; max: number } | null;
}

/**
 * The management server's own metrics in Prometheus' exposition format (prom-client): API latency,
 * reconcile outcomes and durations per resource kind, work-queue depth, connected agents, agent jobs
 * being waited for, reports dropped by fencing, and the Node process (CPU, memory, event-loop lag).
 * One registry per server, so that several servers in one process (tests) do not share series.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly reconcileDuration: Histogram<'kind' | 'outcome'>;
  private sources: MetricsSources | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kumo_' });
    this.httpDuration = new Histogram({
      name: 'kumo_http_request_duration_seconds', help: 'API request duration by route template and status',
      labelNames: ['method', 'route', 'status'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: [this.registry],
    });
    this.reconcileDuration = new Histogram({
      name: 'kumo_reconcile_duration_seconds', help: 'One reconcile pass by resource kind and outcome (done, requeued, retry, waiting, failed)',
      labelNames: ['kind', 'outcome'], buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60, 300],
      registers: [this.registry],
    });
    const read = (f: (s: MetricsSources) => number) => () => (this.sources ? f(this.sources) : 0);
    const gauge = (name: string, help: string, f: (s: MetricsSources) => number) => {
      const get = read(f);
      return new Gauge({ name, help, registers: [this.registry], collect() { this.set(get()); } });
    };
    gauge('kumo_work_queue_depth', 'Keys waiting in the controller\'s work queue', (s) => s.queueDepth());
    gauge('kumo_agents_connected', 'Host agents connected to this server', (s) => s.connectedAgents());
    gauge('kumo_agent_jobs_pending', 'Agent jobs this server is waiting for', (s) => s.pendingJobs());
    // The database pool: a leak shows as total stuck at max with waiting callers (docs/operators.md).
    const pool = () => this.sources?.dbPool?.() ?? null;
    new Gauge({
      name: 'kumo_db_pool_connections', help: 'PostgreSQL pool connections by state (in use, idle) and its size limit (max)', labelNames: ['state'],
      registers: [this.registry],
      collect() {
        this.reset();
        const p = pool();
        if (!p) return;
        this.set({ state: 'in-use' }, p.total - p.idle);
        this.set({ state: 'idle' }, p.idle);
        this.set({ state: 'max' }, p.max);
      },
    });
    new Gauge({
      name: 'kumo_db_pool_waiting', help: 'Queries waiting for a PostgreSQL pool connection', registers: [this.registry],
      collect() { this.reset(); const p = pool(); if (p) this.set(p.waiting); },
    });
    const stale = read((s) => s.staleReports());
    new Counter({
      name: 'kumo_agent_stale_reports_total', help: 'Agent reports ignored because they came from an older registration of their host (fencing)',
      registers: [this.registry], collect() { this.reset(); this.inc(stale()); },
    });
  }

  /** Connect the gauges to the running server's parts. */
  attach(sources: MetricsSources): void { this.sources = sources; }

  /** Time a reconcile pass; `outcome` is decided by the caller when it ends. */
  startReconcile(kind: string): (outcome: string) => void {
    const end = this.reconcileDuration.startTimer({ kind });
    return (outcome) => { end({ outcome }); };
  }
}
