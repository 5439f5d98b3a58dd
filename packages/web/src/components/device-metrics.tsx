import { useMemo, useState } from 'react';
import type { HostMetrics, InstanceMetrics } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { formatRate, rangeQuery, type MetricRange } from '../lib/metric-series.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { MetricChart, type ChartLine } from './metric-chart.tsx';
import { ErrorNote } from './error-note.tsx';

type Series = Record<string, Array<number | null>>;
const line = (label: string, values: Array<number | null> | undefined, color: string): ChartLine => ({ label, values: values ?? [], color });
const perSecond = (unit: string) => (v: number | null) => (v === null ? '—' : `${v.toFixed(v >= 100 ? 0 : 1)} ${unit}`);
const ms = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)} ms`);

/**
 * Graphs of one volume or NIC of an instance (or one bridge / VXLAN device of a host), picked from
 * the devices that have series in the range: bytes, operations and latency of a disk; bytes,
 * packets and drops of a NIC.
 */
export function DeviceMetrics({ path, range, volumes, nics }: { path: string; range: MetricRange; volumes: readonly string[]; nics: readonly string[] }) {
  const { t } = useI18n();
  const options = useMemo(() => [...volumes.map((v) => ({ kind: 'volume' as const, name: v })), ...nics.map((n) => ({ kind: 'nic' as const, name: n }))], [volumes, nics]);
  const [picked, setPicked] = useState<string>('');
  const device = options.find((o) => `${o.kind}:${o.name}` === picked) ?? options[0];
  const m = useLiveResource(
    () => (device ? client.request<InstanceMetrics | HostMetrics>('GET', path, { query: { ...rangeQuery(range, Date.now()), [device.kind]: device.name } }) : Promise.resolve(null)),
    [path, range, device?.kind, device?.name], { kinds: [], pollMs: 10_000 },
  );
  if (options.length === 0) return null;
  const s = (m.data?.series ?? {}) as Series;
  const charts = device?.kind === 'volume'
    ? [
      { key: 'bytes', title: t('metrics.diskTitle'), lines: [line(t('metrics.read'), s.diskReadBps, '#16a34a'), line(t('metrics.write'), s.diskWriteBps, '#dc2626')], format: (v: number | null) => formatRate(v) },
      { key: 'ops', title: t('metrics.iopsTitle'), lines: [line(t('metrics.read'), s.diskReadIops, '#16a34a'), line(t('metrics.write'), s.diskWriteIops, '#dc2626')], format: perSecond('/s') },
      { key: 'latency', title: t('metrics.latencyTitle'), lines: [line(t('metrics.read'), s.diskReadLatencyMs, '#16a34a'), line(t('metrics.write'), s.diskWriteLatencyMs, '#dc2626')], format: ms },
    ]
    : [
      { key: 'bytes', title: t('metrics.netTitle'), lines: [line(t('metrics.rx'), s.netRxBps, '#2563eb'), line(t('metrics.tx'), s.netTxBps, '#16a34a')], format: (v: number | null) => formatRate(v) },
      { key: 'packets', title: t('metrics.packetsTitle'), lines: [line(t('metrics.rx'), s.netRxPps, '#2563eb'), line(t('metrics.tx'), s.netTxPps, '#16a34a'), line(t('metrics.drops'), s.netDropsPs, '#dc2626')], format: perSecond('/s') },
    ];
  return (
    <div data-testid="device-metrics" data-device={device ? `${device.kind}:${device.name}` : ''}>
      <div className="section-head">
        <h3>{t('metrics.deviceTitle')}</h3>
        <label>
          {t('metrics.device')}{' '}
          <select data-testid="device-select" value={device ? `${device.kind}:${device.name}` : ''} onChange={(e) => setPicked(e.target.value)}>
            {options.map((o) => (
              <option key={`${o.kind}:${o.name}`} value={`${o.kind}:${o.name}`}>{t(o.kind === 'volume' ? 'metrics.volumeOption' : 'metrics.nicOption', { name: o.name })}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote message={m.error?.message} />
      {m.data && (
        <div className="grid charts">
          {charts.map((c) => <MetricChart key={c.key} testId={`device-chart-${c.key}`} title={c.title} timestamps={m.data!.timestamps} lines={c.lines} format={c.format} />)}
        </div>
      )}
    </div>
  );
}
