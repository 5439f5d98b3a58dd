import type { Host, HostTop } from '@kumo/api';
import { useDocumentTitle } from '../lib/use-document-title.ts';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { formatPct } from '../lib/metric-series.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { hostStateLabel } from '../i18n/labels.ts';
import { useSession } from '../session-context.ts';
import { ScreenHeader } from '../components/screen-header.tsx';
import { LinkTo } from '../components/link-to.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { MetricsPanel } from '../components/metrics-panel.tsx';
import { TopConsumersTable } from '../components/top-consumers.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { LoadingNote } from '../components/loading-note.tsx';
import { HostMaintenanceCard } from '../components/host-maintenance-card.tsx';

/** One host (admin): its graphs, the bottleneck view (which of its instances use most right now) and its maintenance. */
export function HostScreen({ id }: { id: string }) {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const host = useLiveResource(() => client.get<Host>('hosts', id), [id], { kinds: ['host'], pollMs: 10_000 });
  useDocumentTitle(host.data?.name);
  const tops = useLiveResource(async () => {
    const by = async (sort: 'cpu' | 'memory' | 'disk' | 'net') => (await client.request<HostTop>('GET', `/api/v1/hosts/${encodeURIComponent(id)}/top`, { query: { sort, limit: 10 } }));
    const [cpu, memory, disk, net] = await Promise.all([by('cpu'), by('memory'), by('disk'), by('net')]);
    return { cpu, top: { cpu: cpu.instances, memory: memory.instances, disk: disk.instances, net: net.instances } };
  }, [id], { kinds: [], pollMs: 10_000 });
  if (!isAdmin) return <div><ScreenHeader title={t('host.title')} /><p>{t('common.adminOnly')}</p></div>;
  const h = host.data;
  const now = tops.data?.cpu.host;
  return (
    <div data-testid="host-screen">
      <ScreenHeader title={h ? t('host.titleOne', { name: h.name }) : t('host.title')}>
        <LinkTo to="/hosts">{t('host.back')}</LinkTo>
      </ScreenHeader>
      <ErrorNote message={host.error ?? tops.error} />
      {!h ? <LoadingNote /> : (
        <>
          <section className="card" aria-labelledby="host-now">
            <h2 id="host-now">{t('metrics.now')}</h2>
            <p>
              <StatusBadge value={h.state} label={hostStateLabel(t, h.state)} />{' '}
              {now && t('metrics.hostNow', { cpu: formatPct(now.cpuPct), iowait: formatPct(now.cpuIowaitPct), steal: formatPct(now.cpuStealPct), load: now.load1?.toFixed(2) ?? '—', memory: formatPct(now.memoryPct), pool: formatPct(now.poolUsedPct) })}
            </p>
            {tops.data?.cpu.topConsumer && <p data-testid="host-top-consumer">{t('metrics.topIs', { name: tops.data.cpu.instances[0]?.name ?? '', cpu: formatPct(tops.data.cpu.instances[0]?.cpuPct) })}</p>}
            {tops.data ? <TopConsumersTable top={tops.data.top} testId="host-top-consumers" /> : <LoadingNote />}
          </section>
          <HostMaintenanceCard host={h} />
          <MetricsPanel kind="host" id={id} />
        </>
      )}
    </div>
  );
}
