/** Ranges of the metric graphs and how their series become chart lines (pure; tested without a browser). */
export const metricRanges = { '1h': 3600, '24h': 86_400, '7d': 7 * 86_400 } as const;
export type MetricRange = keyof typeof metricRanges;

/** Query of a range ending now: 10 s points for an hour, 5-minute points beyond. */
export function rangeQuery(range: MetricRange, nowMs: number): { from: string; step: number } {
  const span = metricRanges[range];
  const step = span <= 3600 ? 10 : span <= 86_400 ? 300 : 1800;
  return { from: String(Math.floor(nowMs / 1000) - span), step };
}

/** A rate as people read it: 1536 → "1.5 KiB/s". */
export function formatRate(v: number | null | undefined, unit = 'B/s'): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const steps = ['', 'Ki', 'Mi', 'Gi', 'Ti'];
  let x = v; let i = 0;
  while (x >= 1024 && i < steps.length - 1) { x /= 1024; i++; }
  return `${x >= 100 || i === 0 ? Math.round(x) : x.toFixed(1)} ${steps[i]}${unit}`;
}

export function formatPct(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${v.toFixed(1)} %`;
}

/** Background of a heat-map cell for a 0–100 share: green → amber → red. */
export function heatColor(pct: number | null): string {
  if (pct === null) return '#e2e8f0';
  const p = Math.max(0, Math.min(100, pct));
  const hue = 130 - (130 * p) / 100;
  return `hsl(${Math.round(hue)} 70% ${p > 60 ? 45 : 55}%)`;
}

/** True when a series has at least one point with a value. */
export function hasPoints(values: ReadonlyArray<number | null>): boolean {
  return values.some((v) => v !== null);
}
