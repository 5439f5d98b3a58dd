/**
 * One point of an instance's or a host's series: rates over the interval before `at`, and gauges
 * at `at`. These travel in the heartbeat (agent → server), are stored per resolution by the server
 * and answered by the metrics API. `at` is seconds since the epoch (the end of the interval).
 */
/** One volume of an instance over the interval (stored as the series `<instance>/volume/<volumeId>`). */
export interface VolumeMetricSample {
  volumeId: string;
  diskReadBps: number; diskWriteBps: number; diskReadIops: number; diskWriteIops: number;
  /** Mean time per completed read / write over the interval, ms (0 without operations). */
  diskReadLatencyMs: number; diskWriteLatencyMs: number;
}

/** One network interface over the interval: an instance's NIC (by its tap/veth) or a host's bridge / VXLAN device. */
export interface NicMetricSample {
  device: string;
  netRxBps: number; netTxBps: number; netRxPps: number; netTxPps: number; netDropsPs: number;
}

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
  /** Memory the guest reports in use (virtio-balloon guest-stats), when it reports any. */
  guestMemoryUsedBytes?: number;
  /** The same per volume and per NIC (left out by agents that only report totals). */
  volumes?: VolumeMetricSample[];
  nics?: NicMetricSample[];
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
  /** The host's own bridges and VXLAN devices (stored as the series `<host>/nic/<device>`). */
  nics?: NicMetricSample[];
}

/** What one heartbeat carries: the samples taken since the last one. */
export interface MetricBatch {
  host: HostMetricSample[];
  instances: InstanceMetricSample[];
}

/** Series names of an instance, in the order the API and the console show them. */
export const instanceSeriesNames = [
  'cpuPct', 'memoryBytes', 'guestMemoryUsedBytes', 'diskReadBps', 'diskWriteBps', 'diskReadIops', 'diskWriteIops',
  'netRxBps', 'netTxBps', 'netRxPps', 'netTxPps', 'netDropsPs', 'diskReadLatencyMs', 'diskWriteLatencyMs',
] as const;
export type InstanceSeriesName = typeof instanceSeriesNames[number];

export const hostSeriesNames = [
  'cpuPct', 'cpuIowaitPct', 'cpuStealPct', 'load1', 'memoryUsedBytes', 'memoryTotalBytes', 'poolUsedPct',
  'netRxBps', 'netTxBps', 'diskReadBps', 'diskWriteBps',
  // Only a host's device series (`nic=`) have these; the host's own are null.
  'netRxPps', 'netTxPps', 'netDropsPs',
] as const;
export type HostSeriesName = typeof hostSeriesNames[number];

/** Series of one volume of an instance (`?volume=`) and of one network device (`?nic=`). */
export const volumeSeriesNames = ['diskReadBps', 'diskWriteBps', 'diskReadIops', 'diskWriteIops', 'diskReadLatencyMs', 'diskWriteLatencyMs'] as const;
export const nicSeriesNames = ['netRxBps', 'netTxBps', 'netRxPps', 'netTxPps', 'netDropsPs'] as const;
export type DeviceKind = 'volume' | 'nic';
