import { useState } from 'react';
import { useDocumentTitle } from '../lib/use-document-title.ts';
import { ApiError, type Event, type Instance, type Operation } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { useHosts } from '../api/use-host-names.ts';
import { actionRequest, type ConsoleAction } from '../lib/instance-actions.ts';
import { navigate } from '../navigation.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { LinkTo } from '../components/link-to.tsx';
import { InstanceActionsBar } from '../components/instance-actions-bar.tsx';
import { InstanceDetails } from '../components/instance-details.tsx';
import { InstanceDisksCard } from '../components/instance-disks-card.tsx';
import { InstanceNicsCard } from '../components/instance-nics-card.tsx';
import { InstanceCdromCard } from '../components/instance-cdrom-card.tsx';
import { InstanceCaptureForm } from '../components/instance-capture-form.tsx';
import { EventList } from '../components/event-list.tsx';
import { OperationProgressList } from '../components/operation-progress-list.tsx';
import { ConsolePanel } from '../components/console-panel.tsx';
import { MetricsPanel } from '../components/metrics-panel.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { LoadingNote } from '../components/loading-note.tsx';
import { InstanceMigrationCard } from '../components/instance-migration-card.tsx';
import { useSession } from '../session-context.ts';

/** One instance: state, actions, migration (admins), NICs, CD-ROM and boot order, image capture, disks, operations, events and its serial console. */
export function InstanceScreen({ id }: { id: string }) {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const hosts = useHosts();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const inst = useLiveResource(() => client.get<Instance>('instances', id), [id], { kinds: ['instance'], id, debounceMs: 100 });
  useDocumentTitle(inst.data?.name);
  const events = useLiveResource(() => client.list<Event>('events', { resourceId: id, sort: '-createdAt', limit: 15 }), [id], { kinds: ['event'] });
  const ops = useLiveResource(() => client.list<Operation>('operations', { resourceId: id, sort: '-createdAt', limit: 5 }), [id], { kinds: ['operation'] });

  const act = async (a: ConsoleAction) => {
    const i = inst.data;
    if (!i) return;
    if (a === 'delete' && !window.confirm(t('inst.confirmDelete', { name: i.name }))) return;
    if (a === 'forceStop' && !window.confirm(t('inst.confirmForceStop', { name: i.name }))) return;
    setBusy(true);
    setActionError(null);
    try {
      const { verb, force } = actionRequest(a);
      if (verb === 'delete') {
        await client.delete('instances', id);
        navigate('/instances');
        return;
      }
      await client.instanceAction(id, verb, force ? { force: true } : {});
      inst.reload();
    } catch (e) {
      setActionError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const gone = inst.error instanceof ApiError && inst.error.code === 'not_found';
  if (gone) {
    return (
      <div>
        <ScreenHeader title={t('inst.title')} />
        <p>{t('inst.notFound')}</p>
        <LinkTo to="/instances">{t('inst.back')}</LinkTo>
      </div>
    );
  }
  const i = inst.data;
  const host = i?.hostId ? hosts.get(i.hostId) : undefined;
  return (
    <div data-testid="instance-screen" data-phase={i?.phase ?? ''}>
      <ScreenHeader title={i ? t('inst.titleOne', { name: i.name }) : t('inst.title')}>
        <LinkTo to="/instances">{t('inst.back')}</LinkTo>
      </ScreenHeader>
      <ErrorNote message={inst.error} />
      {!i ? <LoadingNote /> : (
        <>
          <section className="card" aria-labelledby="state-title">
            <div className="section-head">
              <h2 id="state-title">{t('inst.state')}</h2>
              <InstanceActionsBar instance={i} host={host} busy={busy} onAction={(a) => void act(a)} />
            </div>
            <ErrorNote message={actionError} />
            <InstanceDetails instance={i} hostName={host?.name} />
          </section>
          {isAdmin && i.hostId && <InstanceMigrationCard instance={i} hosts={hosts} />}
          <MetricsPanel kind="instance" id={i.id} />
          <ConsolePanel instanceId={i.id} phase={i.phase} />
          <InstanceNicsCard instanceId={i.id} />
          <InstanceDisksCard instanceId={i.id} />
          <div className="grid cards wide">
            <InstanceCdromCard instance={i} onChange={inst.reload} />
            <InstanceCaptureForm instance={i} />
          </div>
          <section className="card" aria-labelledby="ops-title">
            <h2 id="ops-title">{t('inst.operations')}</h2>
            {ops.data ? <OperationProgressList ops={ops.data.items} empty={t('common.empty')} /> : <LoadingNote />}
          </section>
          <section className="card" aria-labelledby="events-title">
            <h2 id="events-title">{t('inst.events')}</h2>
            {events.data ? <EventList events={events.data.items} empty={t('common.empty')} /> : <LoadingNote />}
          </section>
        </>
      )}
    </div>
  );
}
