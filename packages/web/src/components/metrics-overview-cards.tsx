import type { MetricsOverview } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { useSession } from '../session-context.ts';
import { HostHeatMap } from './host-heat-map.tsx';
import { TopConsumersTable } from './top-consumers.tsx';
import { ErrorNote } from './error-note.tsx';
import { LoadingNote } from './loading-note.tsx';

/** The dashboard's bottleneck view: top consumers (own instances; admins: all) and, for admins, the host heat map. */
export function MetricsOverviewCards() {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const ov = useLiveResource(() => client.request<MetricsOverview>('GET', '/api/v1/metrics/overview', { query: { limit: 5 } }), [], { kinds: [], pollMs: 10_000 });
  const hostNames = new Map((ov.data?.hosts ?? []).map((h) => [h.hostId, h.name]));
  return (
    <div className="grid cards wide">
      <section className="card" aria-labelledby="top-consumers-title">
        <h2 id="top-consumers-title">{t('metrics.topConsumers')}</h2>
        <ErrorNote message={ov.error} />
        {ov.data ? <TopConsumersTable top={ov.data.top} {...(isAdmin ? { hostNames } : {})} /> : <LoadingNote />}
      </section>
      {isAdmin && (
        <section className="card" aria-labelledby="heat-map-title">
          <h2 id="heat-map-title">{t('metrics.heatMap')}</h2>
          {ov.data ? <HostHeatMap hosts={ov.data.hosts} /> : <LoadingNote />}
        </section>
      )}
    </div>
  );
}
