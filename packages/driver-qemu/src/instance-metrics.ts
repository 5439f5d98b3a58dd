/**
 * Counters of running QEMU guests for the metrics sampler (Driver.sampleInstances):
 * - CPU time: utime + stime of the guest's vCPU threads (QMP query-cpus-fast names their thread
 *   ids; /proc/<pid>/task/<tid>/stat), in clock ticks of 1/100 s (USER_HZ on Linux). Only the
 *   vCPUs count: QEMU's main loop and I/O threads cost the host but are not the guest using its
 *   CPUs (an idle TCG guest keeps its main loop busy). Without QMP, the whole process' time;
 * - memory: the process' resident set (/proc/<pid>/statm × page size); with a balloon (spec.memoryBalloon)
 *   also what the guest reports in use (qom-get guest-stats: total − available), once its balloon
 *   driver answers (polling is switched on with qom-set the first time none has come yet);
 * - disks: QMP query-blockstats, matched to volumes by the block node's name (disk<slot>), with the
 *   time spent on completed reads and writes (rd_total_time_ns / wr_total_time_ns) for latency;
 * - NICs: the tap's counters (/sys/class/net/<tap>/statistics), reported under the NIC's id. The host's
 *   side of a tap receives what the guest sends, so the guest's rx is the tap's tx and the other way round.
 * A guest whose process or QMP cannot be read right now is left out (it is starting or stopping).
 */
import { readFile } from 'node:fs/promises';
import type { DiskCounters, InstanceCounters, InstanceSpec, NicCounters } from '@kumo/core';
import { diskNames } from './disk-blockdev.ts';
import { memoryBalloonId } from './qemu-argv.ts';
import type { QmpClient } from './qmp-client.ts';

/** USER_HZ: the unit of /proc/<pid>/stat times on every Linux architecture Kumo runs on. */
const ticksPerSecond = 100;
const pageBytes = 4096;

export interface QemuMetricsSource {
  instanceId: string;
  pid: number;
  spec: InstanceSpec;
  qmp: QmpClient | null;
}

/** utime + stime (ns) from the text of /proc/<pid>/stat; the command name may hold spaces and parentheses. */
export function cpuTimeNsFromProcStat(text: string): number {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unexpected /proc stat line: ${text.slice(0, 80)}`);
  return ((utime + stime) * 1e9) / ticksPerSecond;
}

/** Resident bytes from the text of /proc/<pid>/statm (second field, in pages). */
export function rssBytesFromStatm(text: string): number {
  const pages = Number(text.trim().split(/\s+/)[1]);
  if (!Number.isFinite(pages)) throw new Error(`unexpected statm line: ${text.slice(0, 80)}`);
  return pages * pageBytes;
}

interface BlockStatsEntry {
  device?: string; qdev?: string; 'node-name'?: string;
  stats: { rd_bytes: number; wr_bytes: number; rd_operations: number; wr_operations: number; rd_total_time_ns?: number; wr_total_time_ns?: number };
}

/** The names a query-blockstats entry may go by: its root node's name and its guest device's id (from the qdev path). */
function namesOf(e: BlockStatsEntry): string[] {
  const out: string[] = [];
  if (e['node-name']) out.push(e['node-name']);
  const dev = /^\/machine\/peripheral\/([^/]+)/.exec(e.qdev ?? '')?.[1];
  if (dev) out.push(dev, dev.replace(/^virtio-/, ''));
  if (e.device) out.push(e.device);
  return out;
}

/**
 * query-blockstats answers mapped to the spec's volumes by the names disk-blockdev.ts gives them
 * (the throttle node t-<vol> and the device vblk-<vol>; also `disk<slot>`); the config drive and
 * unknown nodes are left out.
 */
export function diskCountersFromBlockStats(spec: InstanceSpec, entries: readonly BlockStatsEntry[]): DiskCounters[] {
  const byNode = new Map<string, string>();
  const disks = spec.root?.kind === 'disk' ? [spec.root.disk, ...spec.disks] : spec.disks;
  for (const d of disks) {
    const n = diskNames(d.volumeId);
    for (const name of [`disk${d.pciSlot.toString(16).padStart(2, '0')}`, n.filterNode, n.device]) byNode.set(name, d.volumeId);
  }
  const out: DiskCounters[] = [];
  for (const e of entries) {
    const volumeId = namesOf(e).map((n) => byNode.get(n)).find((v) => v !== undefined);
    if (!volumeId) continue;
    out.push({
      device: volumeId, readBytes: e.stats.rd_bytes, writeBytes: e.stats.wr_bytes, readOps: e.stats.rd_operations, writeOps: e.stats.wr_operations,
      ...(e.stats.rd_total_time_ns !== undefined ? { readTimeNs: e.stats.rd_total_time_ns } : {}),
      ...(e.stats.wr_total_time_ns !== undefined ? { writeTimeNs: e.stats.wr_total_time_ns } : {}),
    });
  }
  return out;
}

async function readCounter(dir: string, name: string): Promise<number> {
  return Number((await readFile(`${dir}/${name}`, 'utf8')).trim());
}

/** The guest's view of a tap's counters (its rx is the tap's tx); null when the tap is gone. */
export async function tapCounters(tap: string, sysClassNet = '/sys/class/net'): Promise<NicCounters | null> {
  const dir = `${sysClassNet}/${tap}/statistics`;
  try {
    const [rxB, txB, rxP, txP, rxD, txD] = await Promise.all(
      ['rx_bytes', 'tx_bytes', 'rx_packets', 'tx_packets', 'rx_dropped', 'tx_dropped'].map((n) => readCounter(dir, n)),
    ) as [number, number, number, number, number, number];
    return { device: tap, rxBytes: txB, txBytes: rxB, rxPackets: txP, txPackets: rxP, rxDrops: txD, txDrops: rxD };
  } catch {
    return null;
  }
}

/** What QEMU's balloon answers to qom-get guest-stats: `last-update` 0 until the guest reported; absent stats are -1. */
export interface BalloonGuestStats { stats: Record<string, number>; 'last-update': number }

/** Seconds between the guest's balloon reports (guest-stats-polling-interval). */
export const balloonPollSec = 10;

/** Memory the guest uses (total − available, or − free on guests that do not report available); undefined before a report. */
export function guestMemoryUsedFromStats(g: BalloonGuestStats): number | undefined {
  if (!g['last-update']) return undefined;
  const total = g.stats['stat-total-memory'];
  if (total === undefined || total < 0) return undefined;
  const avail = g.stats['stat-available-memory'];
  const free = g.stats['stat-free-memory'];
  const spare = avail !== undefined && avail >= 0 ? avail : free !== undefined && free >= 0 ? free : undefined;
  return spare === undefined ? undefined : total - spare;
}

/** The guest's own memory figure through its balloon; undefined when it has not reported (polling is then switched on). */
export async function balloonGuestMemoryUsed(qmp: QmpClient): Promise<number | undefined> {
  const path = `/machine/peripheral/${memoryBalloonId}`;
  try {
    const g = await qmp.execute<BalloonGuestStats>('qom-get', { path, property: 'guest-stats' }, { timeoutMs: 3000 });
    if (!g['last-update']) await qmp.execute('qom-set', { path, property: 'guest-stats-polling-interval', value: balloonPollSec }, { timeoutMs: 3000 });
    return guestMemoryUsedFromStats(g);
  } catch {
    return undefined; // no balloon device (a guest started before balloons), or QMP busy: RSS still stands
  }
}

/** CPU time of the guest's vCPU threads (query-cpus-fast), or of the whole process without QMP. */
export async function vcpuTimeNs(pid: number, qmp: QmpClient | null): Promise<number> {
  if (!qmp) return cpuTimeNsFromProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  const cpus = await qmp.execute<Array<{ 'thread-id': number }>>('query-cpus-fast', undefined, { timeoutMs: 3000 });
  const times = await Promise.all(cpus.map((c) => readFile(`/proc/${pid}/task/${c['thread-id']}/stat`, 'utf8').then(cpuTimeNsFromProcStat)));
  return times.reduce((a, b) => a + b, 0);
}

/** Read one guest's counters now; null when its process is gone or QMP does not answer. */
export async function readQemuCounters(src: QemuMetricsSource, now: () => number, sysClassNet?: string): Promise<InstanceCounters | null> {
  try {
    const [cpuTimeNs, statm] = await Promise.all([vcpuTimeNs(src.pid, src.qmp), readFile(`/proc/${src.pid}/statm`, 'utf8')]);
    const blockStats = src.qmp ? await src.qmp.execute<BlockStatsEntry[]>('query-blockstats', undefined, { timeoutMs: 3000 }) : [];
    const guestMemoryUsedBytes = src.qmp && src.spec.memoryBalloon === true ? await balloonGuestMemoryUsed(src.qmp) : undefined;
    const nics: NicCounters[] = [];
    for (const n of src.spec.nics) {
      if (n.attach.kind !== 'tap') continue;
      const c = await tapCounters(n.attach.tap, sysClassNet);
      if (c) nics.push({ ...c, device: n.nicId }); // series are per NIC id: the tap name is the host's business
    }
    return {
      instanceId: src.instanceId, at: now(), vcpus: src.spec.vcpus, cpuTimeNs,
      memoryBytes: rssBytesFromStatm(statm), disks: diskCountersFromBlockStats(src.spec, blockStats), nics,
      ...(guestMemoryUsedBytes !== undefined ? { guestMemoryUsedBytes } : {}),
    };
  } catch {
    return null;
  }
}

/** Counters of every live guest the driver holds (what QemuDriver.sampleInstances answers). */
export async function sampleQemuInstances(records: Iterable<{ id: string; spec: InstanceSpec | undefined; live: { pid: number; qmp: QmpClient | null } | undefined }>): Promise<InstanceCounters[]> {
  const reads: Array<Promise<InstanceCounters | null>> = [];
  for (const r of records) {
    if (!r.live || !r.spec) continue;
    reads.push(readQemuCounters({ instanceId: r.id, pid: r.live.pid, spec: r.spec, qmp: r.live.qmp }, Date.now));
  }
  return (await Promise.all(reads)).filter((c): c is InstanceCounters => c !== null);
}
