/**
 * Metric samples on the agent link: a heartbeat of a protocol-2 agent may carry the samples taken
 * since its last heartbeat (`metrics`). Agents that do not sample (protocol 1, or sampling off)
 * send none and lose nothing else. Shapes mirror MetricBatch in @kumo/core (metric-schemas.check.ts).
 */
import { Type } from '@sinclair/typebox';

const rate = () => Type.Number({ minimum: 0 });

/** Devices per sample an agent may report (more are a broken agent, not a big guest). */
export const maxDevicesPerSample = 64;
// Volume ids and interface names: no '/' (they become part of a series id, `<owner>/<kind>/<device>`).
const deviceName = () => Type.String({ minLength: 1, maxLength: 200, pattern: '^[^/]+$' });

export const VolumeMetricSampleSchema = Type.Object({
  volumeId: deviceName(),
  diskReadBps: rate(), diskWriteBps: rate(), diskReadIops: rate(), diskWriteIops: rate(), diskReadLatencyMs: rate(), diskWriteLatencyMs: rate(),
});

export const NicMetricSampleSchema = Type.Object({
  device: deviceName(), netRxBps: rate(), netTxBps: rate(), netRxPps: rate(), netTxPps: rate(), netDropsPs: rate(),
});

export const InstanceMetricSampleSchema = Type.Object({
  instanceId: Type.String({ minLength: 1 }), at: Type.Integer({ minimum: 0 }),
  cpuPct: Type.Number({ minimum: 0, maximum: 100 }), memoryBytes: rate(),
  diskReadBps: rate(), diskWriteBps: rate(), diskReadIops: rate(), diskWriteIops: rate(),
  netRxBps: rate(), netTxBps: rate(), netRxPps: rate(), netTxPps: rate(), netDropsPs: rate(),
  guestMemoryUsedBytes: Type.Optional(rate()),
  volumes: Type.Optional(Type.Array(VolumeMetricSampleSchema, { maxItems: maxDevicesPerSample })),
  nics: Type.Optional(Type.Array(NicMetricSampleSchema, { maxItems: maxDevicesPerSample })),
});

export const HostMetricSampleSchema = Type.Object({
  at: Type.Integer({ minimum: 0 }),
  cpuPct: Type.Number({ minimum: 0, maximum: 100 }), cpuIowaitPct: Type.Number({ minimum: 0, maximum: 100 }), cpuStealPct: Type.Number({ minimum: 0, maximum: 100 }),
  load1: rate(), memoryUsedBytes: rate(), memoryTotalBytes: rate(), poolUsedPct: Type.Number({ minimum: 0, maximum: 100 }),
  netRxBps: rate(), netTxBps: rate(), diskReadBps: rate(), diskWriteBps: rate(),
  nics: Type.Optional(Type.Array(NicMetricSampleSchema, { maxItems: maxDevicesPerSample })),
});

/** At most this many samples of each kind in one heartbeat (an agent trims its backlog to it). */
export const maxSamplesPerHeartbeat = 20_000;

export const MetricBatchSchema = Type.Object({
  host: Type.Array(HostMetricSampleSchema, { maxItems: maxSamplesPerHeartbeat }),
  instances: Type.Array(InstanceMetricSampleSchema, { maxItems: maxSamplesPerHeartbeat }),
});
