import type { DiskCounters, HostCounters, InstanceCounters, NicCounters } from './instance-counters.ts';
import type { HostMetricSample, InstanceMetricSample, NicMetricSample, VolumeMetricSample } from './metric-sample.ts';

const round = (v: number, digits = 2): number => { const f = 10 ** digits; return Math.round(v * f) / f; };

/** Per-second rate of a counter; 0 when it went backwards (a restart reset it) or time did not move. */
function perSecond(prev: number, cur: number, seconds: number): number {
  if (seconds <= 0 || cur < prev) return 0;
  return (cur - prev) / seconds;
}

function sumBy<T>(items: readonly T[], f: (t: T) => number): number {
  let s = 0;
  for (const i of items) s += f(i);
  return s;
}

/** Sum over devices present in both readings (a disk hot-plugged in between counts from its next reading). */
function deviceRate<T extends { device: string }>(prev: readonly T[], cur: readonly T[], seconds: number, f: (t: T) => number): number {
  let total = 0;
  for (const c of cur) {
    const p = prev.find((x) => x.device === c.device);
    if (p) total += perSecond(f(p), f(c), seconds);
  }
  return total;
}

/** Mean ms per operation over the interval: the change in time spent over the change in operations. */
function latencyMs(prevNs: number | undefined, curNs: number | undefined, prevOps: number, curOps: number): number {
  if (prevNs === undefined || curNs === undefined || curOps <= prevOps || curNs < prevNs) return 0;
  return (curNs - prevNs) / (curOps - prevOps) / 1e6;
}

/** Each volume present in both readings, over the interval. */
export function volumeSamplesBetween(prev: readonly DiskCounters[], cur: readonly DiskCounters[], seconds: number): VolumeMetricSample[] {
  const out: VolumeMetricSample[] = [];
  for (const c of cur) {
    const p = prev.find((x) => x.device === c.device);
    if (!p || seconds <= 0) continue;
    out.push({
      volumeId: c.device,
      diskReadBps: round(perSecond(p.readBytes, c.readBytes, seconds)), diskWriteBps: round(perSecond(p.writeBytes, c.writeBytes, seconds)),
      diskReadIops: round(perSecond(p.readOps, c.readOps, seconds)), diskWriteIops: round(perSecond(p.writeOps, c.writeOps, seconds)),
      diskReadLatencyMs: round(latencyMs(p.readTimeNs, c.readTimeNs, p.readOps, c.readOps), 3),
      diskWriteLatencyMs: round(latencyMs(p.writeTimeNs, c.writeTimeNs, p.writeOps, c.writeOps), 3),
    });
  }
  return out;
}

/** Each network device present in both readings, over the interval. */
export function nicSamplesBetween(prev: readonly NicCounters[], cur: readonly NicCounters[], seconds: number): NicMetricSample[] {
  const out: NicMetricSample[] = [];
  for (const c of cur) {
    const p = prev.find((x) => x.device === c.device);
    if (!p || seconds <= 0) continue;
    out.push({
      device: c.device,
      netRxBps: round(perSecond(p.rxBytes, c.rxBytes, seconds)), netTxBps: round(perSecond(p.txBytes, c.txBytes, seconds)),
      netRxPps: round(perSecond(p.rxPackets, c.rxPackets, seconds)), netTxPps: round(perSecond(p.txPackets, c.txPackets, seconds)),
      netDropsPs: round(perSecond(p.rxDrops + p.txDrops, c.rxDrops + c.txDrops, seconds)),
    });
  }
  return out;
}

/**
 * The sample of an instance between two readings of its counters, or null when there is nothing
 * to compare (a CPU time that went backwards: QEMU restarted; or no time passed).
 */
export function instanceSampleBetween(prev: InstanceCounters, cur: InstanceCounters): InstanceMetricSample | null {
  const seconds = (cur.at - prev.at) / 1000;
  if (seconds <= 0 || cur.cpuTimeNs < prev.cpuTimeNs) return null;
  const cpuSeconds = (cur.cpuTimeNs - prev.cpuTimeNs) / 1e9;
  const cpuPct = Math.min(100, (100 * cpuSeconds) / (seconds * Math.max(1, cur.vcpus)));
  const disk = (f: (d: InstanceCounters['disks'][number]) => number) => round(deviceRate(prev.disks, cur.disks, seconds, f));
  const nic = (f: (n: InstanceCounters['nics'][number]) => number) => round(deviceRate(prev.nics, cur.nics, seconds, f));
  return {
    instanceId: cur.instanceId, at: Math.round(cur.at / 1000), cpuPct: round(cpuPct), memoryBytes: cur.memoryBytes,
    diskReadBps: disk((d) => d.readBytes), diskWriteBps: disk((d) => d.writeBytes),
    diskReadIops: disk((d) => d.readOps), diskWriteIops: disk((d) => d.writeOps),
    netRxBps: nic((n) => n.rxBytes), netTxBps: nic((n) => n.txBytes),
    netRxPps: nic((n) => n.rxPackets), netTxPps: nic((n) => n.txPackets),
    netDropsPs: nic((n) => n.rxDrops + n.txDrops),
    ...(cur.guestMemoryUsedBytes !== undefined ? { guestMemoryUsedBytes: cur.guestMemoryUsedBytes } : {}),
    volumes: volumeSamplesBetween(prev.disks, cur.disks, seconds),
    nics: nicSamplesBetween(prev.nics, cur.nics, seconds),
  };
}

/**
 * The host's sample between two readings; guest traffic is summed from the instance samples of the
 * same round, the fullest pool from the pool report.
 */
export function hostSampleBetween(
  prev: HostCounters, cur: HostCounters, instances: readonly InstanceMetricSample[], pools: ReadonlyArray<{ capacityGiB: number; usedGiB: number }>,
): HostMetricSample | null {
  const total = cur.cpuTotalTicks - prev.cpuTotalTicks;
  if (total <= 0 || cur.at <= prev.at) return null;
  const share = (a: number, b: number) => round(Math.min(100, Math.max(0, (100 * (b - a)) / total)));
  const poolUsedPct = pools.reduce((m, p) => (p.capacityGiB > 0 ? Math.max(m, (100 * p.usedGiB) / p.capacityGiB) : m), 0);
  return {
    at: Math.round(cur.at / 1000),
    cpuPct: share(prev.cpuBusyTicks, cur.cpuBusyTicks), cpuIowaitPct: share(prev.cpuIowaitTicks, cur.cpuIowaitTicks),
    cpuStealPct: share(prev.cpuStealTicks, cur.cpuStealTicks), load1: cur.load1,
    memoryUsedBytes: cur.memoryTotalBytes - cur.memoryAvailableBytes, memoryTotalBytes: cur.memoryTotalBytes,
    poolUsedPct: round(poolUsedPct),
    netRxBps: round(sumBy(instances, (i) => i.netRxBps)), netTxBps: round(sumBy(instances, (i) => i.netTxBps)),
    diskReadBps: round(sumBy(instances, (i) => i.diskReadBps)), diskWriteBps: round(sumBy(instances, (i) => i.diskWriteBps)),
    ...(cur.nics ? { nics: nicSamplesBetween(prev.nics ?? [], cur.nics, (cur.at - prev.at) / 1000) } : {}),
  };
}
