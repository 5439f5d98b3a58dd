import type { HostMetricSample, InstanceMetricSample, MetricBatch } from '@kumo/core';
import type { MetricSampleRow, Repos } from '@kumo/db';
import { hostDeviceRows, instanceDeviceRows } from './device-rows.ts';

import { rawStepSec } from './raw-step.ts';

export { rawStepSec };

/** The newest sample of an instance, with who owns it (for the per-instance Prometheus series). */
export interface LatestInstanceSample { sample: InstanceMetricSample; accountId: string; name: string; hostId: string }

export function hostRow(hostId: string, s: HostMetricSample): MetricSampleRow {
  return {
    resourceId: hostId, step: rawStepSec, at: s.at, resourceKind: 'host', hostId,
    cpuPct: s.cpuPct, cpuPctMax: s.cpuPct, memoryBytes: s.memoryUsedBytes,
    cpuIowaitPct: s.cpuIowaitPct, cpuStealPct: s.cpuStealPct, load1: s.load1, memoryTotalBytes: s.memoryTotalBytes, poolUsedPct: s.poolUsedPct,
    diskReadBps: s.diskReadBps, diskWriteBps: s.diskWriteBps, diskReadIops: null, diskWriteIops: null,
    netRxBps: s.netRxBps, netTxBps: s.netTxBps, netRxPps: null, netTxPps: null, netDropsPs: null,
    guestMemoryUsedBytes: null, diskReadLatencyMs: null, diskWriteLatencyMs: null,
  };
}

/** The instance's mean latency over its volumes, weighted by each volume's operations; null without per-volume samples. */
function weightedLatency(s: InstanceMetricSample, dir: 'read' | 'write'): number | null {
  if (!s.volumes || s.volumes.length === 0) return null;
  let ops = 0;
  let total = 0;
  for (const v of s.volumes) {
    const n = dir === 'read' ? v.diskReadIops : v.diskWriteIops;
    ops += n;
    total += n * (dir === 'read' ? v.diskReadLatencyMs : v.diskWriteLatencyMs);
  }
  return ops > 0 ? Math.round((1000 * total) / ops) / 1000 : 0;
}

export function instanceRow(hostId: string, s: InstanceMetricSample): MetricSampleRow {
  return {
    resourceId: s.instanceId, step: rawStepSec, at: s.at, resourceKind: 'instance', hostId,
    cpuPct: s.cpuPct, cpuPctMax: s.cpuPct, memoryBytes: s.memoryBytes,
    cpuIowaitPct: null, cpuStealPct: null, load1: null, memoryTotalBytes: null, poolUsedPct: null,
    diskReadBps: s.diskReadBps, diskWriteBps: s.diskWriteBps, diskReadIops: s.diskReadIops, diskWriteIops: s.diskWriteIops,
    netRxBps: s.netRxBps, netTxBps: s.netTxBps, netRxPps: s.netRxPps, netTxPps: s.netTxPps, netDropsPs: s.netDropsPs,
    guestMemoryUsedBytes: s.guestMemoryUsedBytes ?? null, diskReadLatencyMs: weightedLatency(s, 'read'), diskWriteLatencyMs: weightedLatency(s, 'write'),
  };
}

/**
 * Stores the samples an agent's heartbeat carries. Samples of instances the database does not place
 * on that host (deleted, moved, or never its own) are dropped: a host reports only its own guests.
 * The newest sample of each instance is kept in memory for the Prometheus export and the alerts.
 */
export class MetricsIngest {
  readonly latest = new Map<string, LatestInstanceSample>();
  /** Samples dropped because the reporting host does not hold the instance. */
  dropped = 0;
  stored = 0;
  private readonly owners = new Map<string, { readAt: number; map: ReadonlyMap<string, { accountId: string; name: string }> }>();

  constructor(private readonly repos: Repos) {}

  async ingest(hostId: string, batch: MetricBatch): Promise<void> {
    const rows: MetricSampleRow[] = batch.host.flatMap((s) => [hostRow(hostId, s), ...hostDeviceRows(hostId, s)]);
    if (batch.instances.length > 0) {
      const owned = await this.ownersOn(hostId, batch.instances.map((s) => s.instanceId));
      for (const s of batch.instances) {
        const inst = owned.get(s.instanceId);
        if (!inst) { this.dropped++; continue; }
        rows.push(instanceRow(hostId, s), ...instanceDeviceRows(hostId, s));
        const prev = this.latest.get(s.instanceId);
        if (!prev || prev.sample.at <= s.at) this.latest.set(s.instanceId, { sample: s, accountId: inst.accountId, name: inst.name, hostId });
      }
      for (const [id, l] of this.latest) if (l.hostId === hostId && !owned.has(id)) this.latest.delete(id);
    }
    // In slices, yielding between them: a big host's heartbeat must not hold API requests up for long.
    for (let i = 0; i < rows.length; i += ingestSlice) {
      await this.repos.metrics.insert(rows.slice(i, i + ingestSlice));
      if (i + ingestSlice < rows.length) await new Promise((r) => setImmediate(r));
    }
    this.stored += rows.length;
  }

  /**
   * Who owns the instances a host reports, from a per-host cache that is re-read when it is older
   * than 30 s or an instance in the report is not in it (a new or moved guest).
   */
  private async ownersOn(hostId: string, ids: readonly string[]): Promise<ReadonlyMap<string, { accountId: string; name: string }>> {
    const now = Date.now();
    const cached = this.owners.get(hostId);
    if (cached && now - cached.readAt < ownerCacheMs && ids.every((id) => cached.map.has(id))) return cached.map;
    const map = new Map((await this.repos.instances.onHost(hostId)).map((i) => [i.id, { accountId: i.accountId, name: i.name }]));
    this.owners.set(hostId, { readAt: now, map });
    return map;
  }
}

const ingestSlice = 20;
const ownerCacheMs = 30_000;
