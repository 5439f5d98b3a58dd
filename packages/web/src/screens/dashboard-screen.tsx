import { useEffect } from 'react';
import type { Cluster, Event, Host, Instance, Operation, Pool, Zone } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { summarizeZoneCapacity } from '../lib/capacity-summary.ts';
import { countBy } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { hostStateColors, hostStateLabel, hostStates, phaseColors, phaseLabel, phases } from '../i18n/labels.ts';
import { useSession } from '../session-context.ts';
import { ScreenHeader } from '../components/screen-header.tsx';
import { ZoneCapacityCard } from '../components/zone-capacity-card.tsx';
import { PublicIpsCard } from '../components/public-ips-card.tsx';
import { BarList } from '../components/bar-list.tsx';
import { DonutChart } from '../components/donut-chart.tsx';
import { EventFeed } from '../components/event-feed.tsx';
import { OperationProgressList } from '../components/operation-progress-list.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { LoadingNote } from '../components/loading-note.tsx';
import { MetricsOverviewCards } from '../components/metrics-overview-cards.tsx';

interface DashboardData {
  zones: Zone[];
  hosts: Host[] | null;
  pools: Pool[] | null;
  clusters: Cluster[] | null;
  instances: Instance[];
  activeOps: Operation[];
  events: Event[];
}

let firstRenderMarked = false;

/** Capacity per zone, instances by phase, hosts by state, latest events, operations in progress. */
export function DashboardScreen() {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const { data, error } = useLiveResource<DashboardData>(async () => {
    const [zones, hosts, pools, clusters, instances, running, pending, events] = await Promise.all([
      client.listAll<Zone>('zones'),
      isAdmin ? client.listAll<Host>('hosts') : Promise.resolve(null),
      isAdmin ? client.listAll<Pool>('pools') : Promise.resolve(null),
      isAdmin ? client.listAll<Cluster>('clusters') : Promise.resolve(null),
      client.listAll<Instance>('instances'),
      client.list<Operation>('operations', { status: 'running', sort: '-createdAt', limit: 10 }),
      client.list<Operation>('operations', { status: 'pending', sort: '-createdAt', limit: 10 }),
      client.list<Event>('events', { sort: '-createdAt', limit: 8 }),
    ]);
    return { zones, hosts, pools, clusters, instances, activeOps: [...running.items, ...pending.items], events: events.items };
  }, [isAdmin], { kinds: ['instance', 'operation', 'host', 'event'], debounceMs: 400 });

  useEffect(() => {
    // For the load-time figure in the README: navigation start → dashboard data on screen.
    if (data && !firstRenderMarked) { firstRenderMarked = true; performance.mark('kumo-dashboard-data-rendered'); }
  }, [data]);

  return (
    <div data-testid="dashboard" data-ready={data ? 'true' : 'false'}>
      <ScreenHeader title={t('dash.title')} />
      <ErrorNote message={error} />
      {!data ? <LoadingNote /> : (
        <>
          <div className="grid cards">
            {data.hosts && data.pools
              ? summarizeZoneCapacity(data.zones, data.hosts, data.pools, data.clusters ?? []).map((z) => <ZoneCapacityCard key={z.zoneId} zone={z} />)
              : <section className="card"><h2>{t('dash.capacityTitle')}</h2><p className="muted">{t('common.adminOnly')}</p></section>}
            <PublicIpsCard />
          </div>
          <div className="grid cards">
            <section className="card" aria-labelledby="by-phase">
              <h2 id="by-phase">{t('dash.instancesByPhase')}</h2>
              <BarList title={t('dash.instancesByPhase')} items={countBy(data.instances, (i) => i.phase, phases).map(([k, v]) => ({ key: k, label: phaseLabel(t, k as Instance['phase']), value: v, color: phaseColors[k] ?? '#94a3b8' }))} />
            </section>
            <section className="card" aria-labelledby="by-state">
              <h2 id="by-state">{t('dash.hostsByState')}</h2>
              {data.hosts
                ? <DonutChart title={t('dash.hostsByState')} centerLabel={t('dash.hostsWord')} slices={countBy(data.hosts, (h) => h.state, hostStates).map(([k, v]) => ({ key: k, label: hostStateLabel(t, k as Host['state']), value: v, color: hostStateColors[k] ?? '#94a3b8' }))} />
                : <p className="muted">{t('common.adminOnly')}</p>}
            </section>
          </div>
          <MetricsOverviewCards />
          <div className="grid cards wide">
            <section className="card" aria-labelledby="active-ops">
              <h2 id="active-ops">{t('dash.runningOps')}</h2>
              <OperationProgressList ops={data.activeOps} empty={t('dash.noRunningOps')} />
            </section>
            <section className="card" aria-labelledby="latest-events">
              <h2 id="latest-events">{t('dash.latestEvents')}</h2>
              <EventFeed events={data.events} empty={t('common.empty')} />
            </section>
          </div>
        </>
      )}
    </div>
  );
}
