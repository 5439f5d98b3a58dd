import { PeriodicTask, type Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import type { AgentGateway } from '../gateway/agent-gateway.ts';

export interface BaseGcReport { hosts: number; pools: number; removed: Array<{ hostId: string; poolPath: string; imageVersionId: string }>; failures: Array<{ hostId: string; message: string }> }

/**
 * Cached base images on hosts go when no volume uses them and their image version is gone: every
 * `intervalMs` (injected clock) each connected host is sent, for each directory pool it reaches,
 * the ids of the image versions that still exist (pool.collectGarbage); the host keeps those and
 * every base a volume backs onto, and removes the rest. A shared pool is collected by one host per
 * round. A host that fails is logged and asked again next round.
 */
export class BaseGarbageCollector {
  private running: Promise<BaseGcReport> | null = null;
  private readonly task: PeriodicTask;

  constructor(
    private readonly repos: Repos, private readonly gateway: AgentGateway, clock: Clock, private readonly log: FastifyBaseLogger,
    private readonly opts: { intervalMs: number; callTimeoutMs: number; graceMs?: number },
  ) {
    this.task = new PeriodicTask(clock, opts.intervalMs, () => this.runOnce(), (e) => this.log.error({ err: e }, 'base image garbage collection failed'));
  }

  start(): void { this.task.start(); }

  stop(): void { this.task.stop(); }

  /** One round over every connected host (a round already running is joined, not doubled). */
  runOnce(): Promise<BaseGcReport> {
    this.running ??= this.round().finally(() => { this.running = null; });
    return this.running;
  }

  private async round(): Promise<BaseGcReport> {
    const report: BaseGcReport = { hosts: 0, pools: 0, removed: [], failures: [] };
    const keep = await this.repos.imageVersions.allIds();
    const hosts = await this.repos.db.selectFrom('hosts').select(['id', 'clusterId']).orderBy('id').execute();
    const pools = await this.repos.db.selectFrom('pools').select(['id', 'hostId', 'clusterId', 'path']).orderBy('id').execute();
    const sharedDone = new Set<string>();
    for (const host of hosts) {
      if (!this.gateway.isConnected(host.id)) continue;
      report.hosts++;
      const reach = pools.filter((p) => p.hostId === host.id || (p.hostId === null && p.clusterId === host.clusterId && !sharedDone.has(p.id)));
      for (const pool of reach) {
        try {
          const r = await this.gateway.call(host.id, 'pool.collectGarbage', {
            pool: { kind: 'directory', path: pool.path }, keepImageVersionIds: keep, ...(this.opts.graceMs !== undefined ? { graceMs: this.opts.graceMs } : {}),
          }, this.opts.callTimeoutMs);
          report.pools++;
          if (pool.hostId === null) sharedDone.add(pool.id);
          for (const id of r.removed) report.removed.push({ hostId: host.id, poolPath: pool.path, imageVersionId: id });
          if (r.removed.length > 0) this.log.info({ hostId: host.id, pool: pool.path, removed: r.removed }, 'cached base images removed');
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          report.failures.push({ hostId: host.id, message });
          this.log.warn({ hostId: host.id, pool: pool.path, err: message }, 'base image garbage collection failed on a host');
        }
      }
    }
    return report;
  }
}
