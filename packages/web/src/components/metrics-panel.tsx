import { useMemo, useState } from 'react';
import type { HostMetrics, InstanceMetrics } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { formatBytes } from '../lib/format.ts';
import { formatPct, formatRate, hasPoints, metricRanges, rangeQuery, type MetricRange } from '../lib/metric-series.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { MetricChart, type ChartLine } from './metric-chart.tsx';
import { ErrorNote } from './error-note.tsx';
import { LoadingNote } from './loading-note.tsx';

type Series = Record<string, Array<number | null>>;
const colors = { a: '#2563eb', b: '#dc2626', c: '#16a34a', d: '#9333ea' };
const line = (label: string, values: Array<number | null> | undefined, color: string): ChartLine => ({ label, values: values ?? [], color });
const bytes = (v: number | null) => (v === null ? '—' : formatBytes(Math.round(v)));

/** CPU, memory, disk and network graphs of an instance or a host over 1 h / 24 h / 7 d, refreshed every 10 s. */
export function MetricsPanel({ kind, id }: { kind: 'instance' | 'host'; id: string }) {
  const { t } = useI18n();
  const [range, setRange] = useState<MetricRange>('1h');
  const path = `/api/v1/${kind === 'instance' ? 'instances' : 'hosts'}/${encodeURIComponent(id)}/metrics`;
  const m = useLiveResource(
    () => client.request<InstanceMetrics | HostMetrics>('GET', path, { query: rangeQuery(range, Date.now()) }),
    [path, range], { kinds: [], pollMs: 10_000 },
  );
  const charts = useMemo(() => {
    if (!m.data) return [];
    const s = m.data.series as Series;
    const memory = kind === 'instance' ? [line(t('metrics.memoryUsed'), s.memoryBytes, colors.a)]
      : [line(t('metrics.memoryUsed'), s.memoryUsedBytes, colors.a), line(t('metrics.memoryTotal'), s.memoryTotalBytes, colors.d)];
    const cpu = kind === 'instance' ? [line(t('metrics.cpu'), s.cpuPct, colors.a)]
      : [line(t('metrics.cpu'), s.cpuPct, colors.a), line(t('metrics.iowait'), s.cpuIowaitPct, colors.b), line(t('metrics.steal'), s.cpuStealPct, colors.d)];
    return [
      { key: 'cpu', title: t('metrics.cpuTitle'), lines: cpu, format: formatPct },
      { key: 'memory', title: t('metrics.memoryTitle'), lines: memory, format: bytes },
      { key: 'disk', title: t('metrics.diskTitle'), lines: [line(t('metrics.read'), s.diskReadBps, colors.c), line(t('metrics.write'), s.diskWriteBps, colors.b)], format: (v: number | null) => formatRate(v) },
      { key: 'net', title: t('metrics.netTitle'), lines: [line(t('metrics.rx'), s.netRxBps, colors.a), line(t('metrics.tx'), s.netTxBps, colors.c)], format: (v: number | null) => formatRate(v) },
    ];
  }, [m.data, kind, t]);
  const empty = m.data && !charts.some((c) => c.lines.some((l) => hasPoints(l.values)));
  return (
    <section className="card" aria-labelledby={`metrics-${id}`} data-testid="metrics-panel" data-range={range}>
      <div className="section-head">
        <h2 id={`metrics-${id}`}>{t('metrics.title')}</h2>
        <div className="action-bar compact" role="group" aria-label={t('metrics.range')}>
          {(Object.keys(metricRanges) as MetricRange[]).map((r) => (
            <button key={r} type="button" aria-pressed={r === range} data-range={r} onClick={() => setRange(r)}>{r}</button>
          ))}
        </div>
      </div>
      <ErrorNote message={m.error} />
      {!m.data ? <LoadingNote /> : empty ? <p className="muted" data-testid="metrics-empty">{t('metrics.noData')}</p> : (
        <div className="grid charts">
          {charts.map((c) => <MetricChart key={c.key} testId={`chart-${c.key}`} title={c.title} timestamps={m.data!.timestamps} lines={c.lines} format={c.format} />)}
        </div>
      )}
    </section>
  );
}
