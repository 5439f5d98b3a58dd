import { useMemo, useState } from 'react';
import type { UsageReport } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { useI18n, type MessageKey } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { MetricChart } from '../components/metric-chart.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { LoadingNote } from '../components/loading-note.tsx';
import { formatHours, toLocalInput, usageSeries } from '../lib/usage-series.ts';

const colors = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2'];
const day = 86_400_000;

/** The caller's usage records: totals for the period and a chart per hour or day. */
export function UsageScreen() {
  const { t } = useI18n();
  const [range, setRange] = useState(() => ({ from: toLocalInput(Date.now() - 7 * day), to: toLocalInput(Date.now() + 3_600_000) }));
  const [granularity, setGranularity] = useState<'hour' | 'day'>('day');
  const report = useLiveResource<UsageReport>(() => client.request<UsageReport>('GET', '/api/v1/usage', {
    query: { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), granularity },
  }), [range.from, range.to, granularity], { kinds: [], pollMs: 60_000 });
  const series = useMemo(() => usageSeries(report.data?.records ?? []), [report.data]);
  const lines = useMemo(() => series.lines.map((l, i) => ({ label: t(`usage.m.${l.meter}` as MessageKey), values: l.values, color: colors[i % colors.length] as string })), [series, t]);
  return (
    <div>
      <ScreenHeader title={t('usage.title')}>
        <label>{t('usage.from')} <input type="datetime-local" value={range.from} onChange={(e) => setRange((r) => ({ ...r, from: e.target.value }))} /></label>
        <label>{t('usage.to')} <input type="datetime-local" value={range.to} onChange={(e) => setRange((r) => ({ ...r, to: e.target.value }))} /></label>
        <label>{t('usage.granularity')}{' '}
          <select value={granularity} onChange={(e) => setGranularity(e.target.value === 'hour' ? 'hour' : 'day')}>
            <option value="hour">{t('usage.hour')}</option><option value="day">{t('usage.day')}</option>
          </select>
        </label>
      </ScreenHeader>
      <ErrorNote message={report.error} />
      {!report.data ? <LoadingNote /> : (
        <>
          <section className="card">
            <h2>{t('usage.totals')}</h2>
            {report.data.totals.length === 0 ? <p className="muted">{t('common.empty')}</p> : (
              <table data-testid="usage-totals">
                <thead><tr><th scope="col">{t('usage.meter')}</th><th scope="col">{t('usage.offering')}</th><th scope="col">{t('usage.quantity')}</th></tr></thead>
                <tbody>
                  {report.data.totals.map((x) => (
                    <tr key={`${x.meter}/${x.offeringId ?? ''}`} data-testid="usage-total-row">
                      <td>{t(`usage.m.${x.meter}` as MessageKey)}</td><td className="mono">{x.offeringId ?? '-'}</td><td>{formatHours(x.quantity)} {x.unit}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          {series.timestamps.length > 0 && (
            <section className="card">
              <MetricChart title={t('usage.chart', { granularity: t(granularity === 'hour' ? 'usage.hour' : 'usage.day') })} timestamps={series.timestamps} lines={lines}
                format={(v) => (v === null ? '-' : formatHours(v))} testId="usage-chart" />
            </section>
          )}
        </>
      )}
    </div>
  );
}
