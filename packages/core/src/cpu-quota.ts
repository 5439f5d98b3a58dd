/**
 * The CPU share of an instance as a CFS quota (cgroup v1 cpu.cfs_quota_us, v2 cpu.max): every
 * driver that confines a guest to its offering's CPU computes it here, so a VM and a container of
 * the same offering get the same CPU.
 */
import type { InstanceSpec } from './driver.ts';

/** The CFS period drivers use, in microseconds. */
export const CPU_PERIOD_US = 100_000;

/**
 * Microseconds of CPU per period for spec.vcpus at spec.cpuQuota (default 1 = full cores), at
 * least 1 ms; null = unlimited (a quota of 0 or less).
 */
export function cpuQuotaUsFor(spec: Pick<InstanceSpec, 'vcpus' | 'cpuQuota'>, periodUs = CPU_PERIOD_US): number | null {
  const share = spec.cpuQuota ?? 1;
  return share > 0 ? Math.max(1000, Math.round(spec.vcpus * share * periodUs)) : null;
}
