/**
 * The host's cumulative CPU, load and memory counters from /proc (Linux). Pure parsers plus one
 * reader, so the parsers are tested on fixed text and the reader on the real machine.
 */
import { readFile } from 'node:fs/promises';
import type { HostCounters } from '@kumo/core';
import { readHostNetCounters } from './host-net-counters.ts';

/** Busy, total, iowait and steal jiffies from the `cpu ` line of /proc/stat. */
export function cpuTicksFromProcStat(text: string): Pick<HostCounters, 'cpuBusyTicks' | 'cpuTotalTicks' | 'cpuIowaitTicks' | 'cpuStealTicks'> {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no cpu line');
  // user nice system idle iowait irq softirq steal (guest and guest_nice are already in user and nice)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { cpuBusyTicks: busy, cpuTotalTicks: busy + idle + iowait, cpuIowaitTicks: iowait, cpuStealTicks: steal };
}

/** MemTotal and MemAvailable (bytes) from /proc/meminfo. */
export function memoryFromMeminfo(text: string): Pick<HostCounters, 'memoryTotalBytes' | 'memoryAvailableBytes'> {
  const kib = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`/proc/meminfo has no ${key}`);
    return Number(m[1]) * 1024;
  };
  return { memoryTotalBytes: kib('MemTotal'), memoryAvailableBytes: kib('MemAvailable') };
}

export function load1FromLoadavg(text: string): number {
  const v = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(v)) throw new Error(`unexpected /proc/loadavg: ${text}`);
  return v;
}

/** Read the host's counters now (with its bridges' and VXLAN devices' counters from /sys/class/net). */
export async function readHostCounters(now: () => number = Date.now, proc = '/proc', sysClassNet = '/sys/class/net'): Promise<HostCounters> {
  const [stat, meminfo, loadavg, nics] = await Promise.all([
    readFile(`${proc}/stat`, 'utf8'), readFile(`${proc}/meminfo`, 'utf8'), readFile(`${proc}/loadavg`, 'utf8'), readHostNetCounters(sysClassNet),
  ]);
  return { at: now(), ...cpuTicksFromProcStat(stat), ...memoryFromMeminfo(meminfo), load1: load1FromLoadavg(loadavg), nics };
}
