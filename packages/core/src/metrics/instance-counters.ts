/**
 * Raw, cumulative counters of one instance as a driver reads them at one moment. Rates come from
 * two readings (counter-rates.ts); a counter that went backwards (the guest restarted) gives no rate.
 */
export interface DiskCounters {
  /** The volume id (QEMU: the block node's device id). */
  device: string;
  readBytes: number; writeBytes: number; readOps: number; writeOps: number;
  /** Time spent on completed reads / writes so far (QMP rd_total_time_ns / wr_total_time_ns), when known. */
  readTimeNs?: number; writeTimeNs?: number;
}

export interface NicCounters {
  /** An instance's NIC (QEMU: its NIC id; LXC: the veth's host end, its config holds no NIC id), or a host's bridge or VXLAN device. */
  device: string;
  rxBytes: number; txBytes: number; rxPackets: number; txPackets: number; rxDrops: number; txDrops: number;
}

export interface InstanceCounters {
  instanceId: string;
  /** When the counters were read (ms since the epoch, the reader's clock). */
  at: number;
  vcpus: number;
  /** CPU time the guest's vCPUs (QEMU: the whole process) used so far, nanoseconds. */
  cpuTimeNs: number;
  /** Host memory the instance holds now (QEMU: the process' RSS). */
  memoryBytes: number;
  /** Memory the guest itself reports in use (QEMU: virtio-balloon guest-stats), when it reports any. */
  guestMemoryUsedBytes?: number;
  disks: DiskCounters[];
  nics: NicCounters[];
}

/** Cumulative host counters (/proc/stat, /proc/meminfo, /proc/loadavg) at one moment. */
export interface HostCounters {
  at: number;
  /** Jiffies summed over every CPU: busy (user+nice+system+irq+softirq+steal) and total. */
  cpuBusyTicks: number;
  cpuTotalTicks: number;
  /** I/O wait and steal ticks (subsets of total), for the bottleneck view. */
  cpuIowaitTicks: number;
  cpuStealTicks: number;
  load1: number;
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  /** The host's bridges and VXLAN devices (/sys/class/net/<dev>/statistics, the host's view). */
  nics?: NicCounters[];
}
