/**
 * One point of an instance's or a host's series: rates over the interval before `at`, and gauges
 * at `at`. These travel in the heartbeat (agent → server), are stored per resolution by the server
 * and answered by the metrics API. `at` is seconds since the epoch (the end of the interval).
 */
export interface InstanceMetricSample {
  instanceId: string;
  at: number;
  /** Busy share of the instance's vCPUs, 0–100 (100 = every vCPU busy all the time). */
  cpuPct: number;
  memoryBytes: number;
  diskReadBps: number; diskWriteBps: number; diskReadIops: number; diskWriteIops: number;
  netRxBps: number; netTxBps: number; netRxPps: number; netTxPps: number;
  /** Packets dropped per second on the instance's NICs, both directions. */
  netDropsPs: number;
}

export interface HostMetricSample {
  at: number;
  /** Busy share of all host CPUs, 0–100; iowait and steal are shares of the same total. */
  cpuPct: number; cpuIowaitPct: number; cpuStealPct: number;
  load1: number;
  memoryUsedBytes: number; memoryTotalBytes: number;
  /** The fullest storage pool of the host, 0–100 (0 without pools). */
  poolUsedPct: number;
  /** Sums over the host's instances (their NICs and disks), so a host graph shows guest traffic. */
  netRxBps: number; netTxBps: number; diskReadBps: number; diskWriteBps: number;
}

/** What one heartbeat carries: the samples taken since the last one. */
export interface MetricBatch {
  host: HostMetricSample[];
  instances: InstanceMetricSample[];
}

/** Series names of an instance, in the order the API and the console show them. */
export const instanceSeriesNames = [
  'cpuPct', 'memoryBytes', 'diskReadBps', 'diskWriteBps', 'diskReadIops', 'diskWriteIops',
  'netRxBps', 'netTxBps', 'netRxPps', 'netTxPps', 'netDropsPs',
] as const;
export type InstanceSeriesName = typeof instanceSeriesNames[number];

export const hostSeriesNames = [
  'cpuPct', 'cpuIowaitPct', 'cpuStealPct', 'load1', 'memoryUsedBytes', 'memoryTotalBytes', 'poolUsedPct',
  'netRxBps', 'netTxBps', 'diskReadBps', 'diskWriteBps',
] as const;
export type HostSeriesName = typeof hostSeriesNames[number];
