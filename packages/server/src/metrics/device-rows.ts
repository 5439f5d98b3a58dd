import type { HostMetricSample, InstanceMetricSample, NicMetricSample, VolumeMetricSample } from '@kumo/core';
import { deviceSeriesId, type MetricResourceKind, type MetricSampleRow } from '@kumo/db';
import { rawStepSec } from './raw-step.ts';

/** A row with every value column empty: per-device rows fill only theirs (cpuPct and memory are 0, not null: NOT NULL columns). */
function emptyRow(resourceId: string, resourceKind: MetricResourceKind, hostId: string, at: number): MetricSampleRow {
  return {
    resourceId, step: rawStepSec, at, resourceKind, hostId, cpuPct: 0, cpuPctMax: 0, memoryBytes: 0,
    cpuIowaitPct: null, cpuStealPct: null, load1: null, memoryTotalBytes: null, poolUsedPct: null,
    diskReadBps: null, diskWriteBps: null, diskReadIops: null, diskWriteIops: null,
    netRxBps: null, netTxBps: null, netRxPps: null, netTxPps: null, netDropsPs: null,
    guestMemoryUsedBytes: null, diskReadLatencyMs: null, diskWriteLatencyMs: null,
  };
}

function volumeRow(ownerId: string, hostId: string, at: number, v: VolumeMetricSample): MetricSampleRow {
  const { volumeId, ...values } = v;
  return { ...emptyRow(deviceSeriesId(ownerId, 'volume', volumeId), 'volume', hostId, at), ...values };
}

function nicRow(ownerId: string, kind: 'nic' | 'host-nic', hostId: string, at: number, n: NicMetricSample): MetricSampleRow {
  const { device, ...values } = n;
  return { ...emptyRow(deviceSeriesId(ownerId, 'nic', device), kind, hostId, at), ...values };
}

/** The per-volume and per-NIC rows of one instance sample (`<instance>/volume/<id>`, `<instance>/nic/<dev>`). */
export function instanceDeviceRows(hostId: string, s: InstanceMetricSample): MetricSampleRow[] {
  return [
    ...(s.volumes ?? []).map((v) => volumeRow(s.instanceId, hostId, s.at, v)),
    ...(s.nics ?? []).map((n) => nicRow(s.instanceId, 'nic', hostId, s.at, n)),
  ];
}

/** The rows of a host's bridges and VXLAN devices (`<host>/nic/<dev>`). */
export function hostDeviceRows(hostId: string, s: HostMetricSample): MetricSampleRow[] {
  return (s.nics ?? []).map((n) => nicRow(hostId, 'host-nic', hostId, s.at, n));
}
