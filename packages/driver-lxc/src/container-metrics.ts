/**
 * Counters of running containers for the metrics sampler (Driver.sampleInstances), from the
 * container's cgroup (LXC's lxc.payload.<name> group, the one limits are set on) and its veths:
 * - CPU time: v2 cpu.stat usage_usec; v1 cpuacct.usage (ns);
 * - memory: v2 memory.current, v1 memory.usage_in_bytes, less the inactive file cache (memory.stat):
 *   what the container holds and the kernel would not simply drop;
 * - disk: v2 io.stat (rbytes, wbytes, rios, wios), v1 blkio.throttle.io_service_bytes / io_serviced,
 *   summed over block devices as one disk named `rootfs` (a container has no volumes of its own);
 * - NICs: the host end of each veth (lxc.net.N.veth.pair in its config), turned to the container's
 *   view (its rx is the host end's tx), named by the host end;
 * - CPUs: the CPU quota of its config (quota / period, rounded up), else every CPU of the host.
 * A container whose group is gone or empty is not running and is left out.
 */
import { readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { DiskCounters, InstanceCounters, NicCounters } from '@kumo/core';
import { containerPaths, isContainerName } from './lxc-layout.ts';

export interface ContainerMetricsHost {
  lxcPath: string;
  /** Where the cgroup hierarchies are mounted (v1: one directory per controller). */
  cgroupRoot: string;
  cgroup: 'v1' | 'v2';
  sysClassNet?: string;
  now?: () => number;
}

const read = (path: string): Promise<string | null> => readFile(path, 'utf8').catch(() => null);

/** `key value` lines (cpu.stat, memory.stat) as a map. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && Number.isFinite(Number(v))) out.set(k, Number(v));
  }
  return out;
}

/** cgroup v2 io.stat summed over devices. */
export function diskFromIoStat(text: string): DiskCounters {
  const d: DiskCounters = { device: 'rootfs', readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 };
  for (const m of text.matchAll(/\b(rbytes|wbytes|rios|wios)=(\d+)/g)) {
    const v = Number(m[2]);
    if (m[1] === 'rbytes') d.readBytes += v;
    else if (m[1] === 'wbytes') d.writeBytes += v;
    else if (m[1] === 'rios') d.readOps += v;
    else d.writeOps += v;
  }
  return d;
}

/** cgroup v1 blkio.throttle.io_service_bytes and io_serviced (`<maj:min> Read|Write N` lines) summed over devices. */
export function diskFromBlkio(bytes: string, ops: string): DiskCounters {
  const sum = (text: string, op: 'Read' | 'Write'): number => {
    let s = 0;
    for (const m of text.matchAll(new RegExp(`^\\d+:\\d+ ${op} (\\d+)$`, 'gm'))) s += Number(m[1]);
    return s;
  };
  return { device: 'rootfs', readBytes: sum(bytes, 'Read'), writeBytes: sum(bytes, 'Write'), readOps: sum(ops, 'Read'), writeOps: sum(ops, 'Write') };
}

/** The veth host ends and the CPU count (from the quota, if any) of a container's LXC config. */
export function fromLxcConfig(config: string): { veths: string[]; cpus: number | null } {
  const veths = [...config.matchAll(/^lxc\.net\.\d+\.veth\.pair\s*=\s*(\S+)\s*$/gm)].map((m) => m[1]!);
  const v2 = /^lxc\.cgroup2\.cpu\.max\s*=\s*(\d+)\s+(\d+)\s*$/m.exec(config);
  const v1q = /^lxc\.cgroup\.cpu\.cfs_quota_us\s*=\s*(\d+)\s*$/m.exec(config);
  const v1p = /^lxc\.cgroup\.cpu\.cfs_period_us\s*=\s*(\d+)\s*$/m.exec(config);
  const [quota, period] = v2 ? [Number(v2[1]), Number(v2[2])] : v1q && v1p ? [Number(v1q[1]), Number(v1p[1])] : [0, 0];
  return { veths, cpus: quota > 0 && period > 0 ? Math.ceil(quota / period) : null };
}

/** The container's view of a veth's host end (its rx is the host end's tx); null when it is gone. */
async function vethCounters(hostIfName: string, sysClassNet: string): Promise<NicCounters | null> {
  const dir = join(sysClassNet, hostIfName, 'statistics');
  const names = ['rx_bytes', 'tx_bytes', 'rx_packets', 'tx_packets', 'rx_dropped', 'tx_dropped'];
  const v = await Promise.all(names.map((n) => read(join(dir, n))));
  if (v.some((x) => x === null)) return null;
  const [rxB, txB, rxP, txP, rxD, txD] = v.map(Number) as [number, number, number, number, number, number];
  return { device: hostIfName, rxBytes: txB, txBytes: rxB, rxPackets: txP, txPackets: rxP, rxDrops: txD, txDrops: rxD };
}

/** One container's counters now, or null when it is not running. */
export async function readContainerCounters(host: ContainerMetricsHost, name: string): Promise<InstanceCounters | null> {
  const group = `lxc.payload.${name}`;
  const at = (ctrl: string, file: string) => (host.cgroup === 'v2' ? join(host.cgroupRoot, group, file) : join(host.cgroupRoot, ctrl, group, file));
  const procs = await read(at(host.cgroup === 'v2' ? '' : 'pids', 'cgroup.procs'));
  if (!procs?.trim()) return null;
  const config = (await read(containerPaths(host.lxcPath, name).config)) ?? '';
  let cpuTimeNs: number;
  let memoryBytes: number;
  let disk: DiskCounters;
  const memStat = parseKeyValues((await read(at('memory', 'memory.stat'))) ?? '');
  if (host.cgroup === 'v2') {
    const [cpuStat, current, io] = await Promise.all([read(at('', 'cpu.stat')), read(at('', 'memory.current')), read(at('', 'io.stat'))]);
    const usage = parseKeyValues(cpuStat ?? '').get('usage_usec');
    if (usage === undefined || current === null) return null;
    cpuTimeNs = usage * 1000;
    memoryBytes = Number(current.trim()) - (memStat.get('inactive_file') ?? 0);
    disk = diskFromIoStat(io ?? '');
  } else {
    const [usage, current, bytes, ops] = await Promise.all([
      read(at('cpuacct', 'cpuacct.usage')), read(at('memory', 'memory.usage_in_bytes')),
      read(at('blkio', 'blkio.throttle.io_service_bytes')), read(at('blkio', 'blkio.throttle.io_serviced')),
    ]);
    if (usage === null || current === null) return null;
    cpuTimeNs = Number(usage.trim());
    memoryBytes = Number(current.trim()) - (memStat.get('total_inactive_file') ?? 0);
    disk = diskFromBlkio(bytes ?? '', ops ?? '');
  }
  const { veths, cpus: quotaCpus } = fromLxcConfig(config);
  const nics = (await Promise.all(veths.map((v) => vethCounters(v, host.sysClassNet ?? '/sys/class/net')))).filter((n): n is NicCounters => n !== null);
  return {
    instanceId: name, at: (host.now ?? Date.now)(), vcpus: quotaCpus ?? cpus().length, cpuTimeNs,
    memoryBytes: Math.max(0, memoryBytes), disks: [disk], nics,
  };
}

/** Counters of every running container under the LXC path. */
export async function sampleContainers(host: ContainerMetricsHost): Promise<InstanceCounters[]> {
  const names = (await readdir(host.lxcPath).catch(() => [] as string[])).filter(isContainerName);
  const read = await Promise.all(names.map((n) => readContainerCounters(host, n).catch(() => null)));
  return read.filter((c): c is InstanceCounters => c !== null);
}
