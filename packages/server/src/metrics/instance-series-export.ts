import { Gauge, type Registry } from 'prom-client';
import type { InstanceMetricSample } from '@kumo/core';
import type { LatestInstanceSample } from './metrics-ingest.ts';

const gauges: Array<{ name: string; help: string; value: (s: InstanceMetricSample) => number | undefined }> = [
  { name: 'kumo_instance_cpu_usage_percent', help: 'Busy share of the instance\'s vCPUs (0-100), newest sample', value: (s) => s.cpuPct },
  { name: 'kumo_instance_memory_bytes', help: 'Host memory the instance holds (QEMU: RSS), newest sample', value: (s) => s.memoryBytes },
  { name: 'kumo_instance_guest_memory_used_bytes', help: 'Memory the guest reports in use through its balloon (only guests that report), newest sample', value: (s) => s.guestMemoryUsedBytes },
  { name: 'kumo_instance_disk_read_bytes_per_second', help: 'Disk reads over all volumes, newest sample', value: (s) => s.diskReadBps },
  { name: 'kumo_instance_disk_write_bytes_per_second', help: 'Disk writes over all volumes, newest sample', value: (s) => s.diskWriteBps },
  { name: 'kumo_instance_disk_read_ops_per_second', help: 'Disk read operations over all volumes, newest sample', value: (s) => s.diskReadIops },
  { name: 'kumo_instance_disk_write_ops_per_second', help: 'Disk write operations over all volumes, newest sample', value: (s) => s.diskWriteIops },
  { name: 'kumo_instance_network_receive_bytes_per_second', help: 'Bytes the instance received over all NICs, newest sample', value: (s) => s.netRxBps },
  { name: 'kumo_instance_network_transmit_bytes_per_second', help: 'Bytes the instance sent over all NICs, newest sample', value: (s) => s.netTxBps },
  { name: 'kumo_instance_network_drops_per_second', help: 'Packets dropped on the instance\'s NICs, both directions, newest sample', value: (s) => s.netDropsPs },
];

/** Samples older than this are not exported (the instance stopped or moved). */
export const exportedSampleMaxAgeSec = 300;

/**
 * Per-instance series in /metrics (off by default: one series per instance and metric), labelled
 * by instance id, name, account and host, from the newest sample the ingest kept. Prometheus and
 * Grafana can then graph and alert on guests with their own tools.
 */
export function registerInstanceSeries(registry: Registry, latest: () => Iterable<LatestInstanceSample>, nowSec: () => number): void {
  for (const g of gauges) {
    new Gauge({
      name: g.name, help: g.help, labelNames: ['instance_id', 'instance_name', 'account', 'host'], registers: [registry],
      collect() {
        this.reset();
        const oldest = nowSec() - exportedSampleMaxAgeSec;
        for (const l of latest()) {
          const v = g.value(l.sample);
          if (l.sample.at < oldest || v === undefined) continue;
          this.set({ instance_id: l.sample.instanceId, instance_name: l.name, account: l.accountId, host: l.hostId }, v);
        }
      },
    });
  }
}
