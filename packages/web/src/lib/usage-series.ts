import type { UsageRecord } from '@kumo/api';

export const usageMeterOrder = ['instance.running', 'instance.allocated', 'volume.gib', 'snapshot.gib', 'publicIp', 'network'] as const;
export type UsageMeterName = typeof usageMeterOrder[number];

/**
 * Usage records as chart series: one x value per bucket start (seconds, for uPlot), one line per
 * meter that has any usage, summed over offerings; buckets without a record of a meter are 0.
 */
export function usageSeries(records: readonly UsageRecord[]): { timestamps: number[]; lines: Array<{ meter: UsageMeterName; values: number[] }> } {
  const starts = [...new Set(records.map((r) => Date.parse(r.start)))].sort((a, b) => a - b);
  const index = new Map(starts.map((s, i) => [s, i]));
  const lines = usageMeterOrder
    .map((meter) => {
      const values = starts.map(() => 0);
      for (const r of records) if (r.meter === meter) values[index.get(Date.parse(r.start)) as number]! += r.quantity;
      return { meter, values };
    })
    .filter((l) => l.values.some((v) => v > 0));
  return { timestamps: starts.map((s) => s / 1000), lines };
}

/** A datetime-local input's value (local time, minutes) for a time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Hours with up to 3 decimals ("1.5", "0.333"). */
export function formatHours(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
