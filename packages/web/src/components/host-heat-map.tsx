import type { MetricsOverview } from '@kumo/api';
import { formatPct, heatColor } from '../lib/metric-series.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { LinkTo } from './link-to.tsx';

/** One tile per host coloured by its CPU now, naming the instance that uses most of it (the bottleneck view). */
export function HostHeatMap({ hosts }: { hosts: MetricsOverview['hosts'] }) {
  const { t } = useI18n();
  if (hosts.length === 0) return <p className="muted">{t('common.empty')}</p>;
  return (
    <ul className="heat-map" data-testid="host-heat-map">
      {hosts.map((h) => (
        <li key={h.hostId} className="heat-cell" style={{ background: heatColor(h.cpuPct) }} data-testid="heat-cell" data-host-id={h.hostId}
          title={t('metrics.heatTitle', { host: h.name, cpu: formatPct(h.cpuPct), memory: formatPct(h.memoryPct), pool: formatPct(h.poolUsedPct) })}>
          <LinkTo to={`/hosts/${encodeURIComponent(h.hostId)}`}><strong>{h.name}</strong></LinkTo>
          <span>{formatPct(h.cpuPct)}</span>
          <span className="small" data-testid="heat-top">{h.top ? t('metrics.topIs', { name: h.top.name, cpu: formatPct(h.top.cpuPct) }) : '—'}</span>
        </li>
      ))}
    </ul>
  );
}
