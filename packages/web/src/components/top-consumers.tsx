import { useState } from 'react';
import type { InstanceUsage, TopSort } from '@kumo/api';
import { formatBytes } from '../lib/format.ts';
import { formatPct, formatRate } from '../lib/metric-series.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { LinkTo } from './link-to.tsx';

const sorts: readonly TopSort[] = ['cpu', 'memory', 'disk', 'net'];

/** Instances by what they use now: a table per CPU / memory / disk / network, chosen with tabs. */
export function TopConsumersTable({ top, hostNames, testId }: {
  top: Record<TopSort, InstanceUsage[]>; hostNames?: ReadonlyMap<string, string>; testId?: string;
}) {
  const { t } = useI18n();
  const [sort, setSort] = useState<TopSort>('cpu');
  const items = top[sort];
  return (
    <div data-testid={testId ?? 'top-consumers'} data-sort={sort}>
      <div className="action-bar compact" role="tablist" aria-label={t('metrics.topBy')}>
        {sorts.map((s) => <button key={s} type="button" role="tab" aria-selected={s === sort} data-sort={s} onClick={() => setSort(s)}>{t(`metrics.sort.${s}`)}</button>)}
      </div>
      {items.length === 0 ? <p className="muted">{t('metrics.noData')}</p> : (
        <table className="table compact">
          <thead><tr>
            <th scope="col">{t('common.name')}</th><th scope="col">{t('metrics.cpu')}</th><th scope="col">{t('metrics.memoryUsed')}</th>
            <th scope="col">{t('metrics.diskTitle')}</th><th scope="col">{t('metrics.netTitle')}</th>{hostNames && <th scope="col">{t('metrics.host')}</th>}
          </tr></thead>
          <tbody>
            {items.map((u) => (
              <tr key={u.instanceId} data-testid="top-consumer-row" data-instance-id={u.instanceId}>
                <td><LinkTo to={`/instances/${encodeURIComponent(u.instanceId)}`}>{u.name}</LinkTo></td>
                <td>{formatPct(u.cpuPct)}</td><td>{formatBytes(Math.round(u.memoryBytes))}</td>
                <td>{formatRate(u.diskBps)}</td><td>{formatRate(u.netBps)}</td>
                {hostNames && <td>{hostNames.get(u.hostId) ?? u.hostId}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
