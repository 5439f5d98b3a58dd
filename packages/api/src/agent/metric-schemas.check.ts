/** Compile-time proof that the wire's metric samples and core's MetricBatch describe the same values. */
import type { Static } from '@sinclair/typebox';
import type { HostMetricSample, InstanceMetricSample, MetricBatch } from '@kumo/core';
import type { HostMetricSampleSchema, InstanceMetricSampleSchema, MetricBatchSchema } from './metric-schemas.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
function same<T extends true>(): T | undefined { return undefined; }

same<Same<Static<typeof InstanceMetricSampleSchema>, InstanceMetricSample>>();
same<Same<Static<typeof HostMetricSampleSchema>, HostMetricSample>>();
same<Same<Static<typeof MetricBatchSchema>, MetricBatch>>();
