import { useState } from 'react';
import type { Host, Operation } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { usePagedList } from '../api/use-paged-list.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { useNow } from '../api/use-now.ts';
import { formatAge, formatCount, formatMiB } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { hostAdminStateLabel, hostStateLabel } from '../i18n/labels.ts';
import { useSession } from '../session-context.ts';
import { ScreenHeader } from '../components/screen-header.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { UsageMeter } from '../components/usage-meter.tsx';
import { SortHeader } from '../components/sort-header.tsx';
import { OperationProgressList } from '../components/operation-progress-list.tsx';
import { LinkTo } from '../components/link-to.tsx';

type HostAction = 'enable' | 'disable' | 'maintenance';

/** The button for the admin state a host is already in (or cannot leave that way) is disabled. */
function isCurrent(adminState: Host['adminState'], a: HostAction): boolean {
  if (a === 'disable') return adminState !== 'enabled';
  if (a === 'maintenance') return adminState === 'preparing-maintenance' || adminState === 'in-maintenance';
  return adminState === 'enabled';
}

/** Where each action is asked: maintenance and enable answer an operation, disable takes effect at once. */
function actionPath(id: string, a: HostAction): { path: string; body?: unknown } {
  const base = `/api/v1/hosts/${encodeURIComponent(id)}`;
  return a === 'disable' ? { path: `${base}/actions`, body: { action: a } } : { path: `${base}/${a}` };
}

/** Hosts (admin): liveness and admin state, hypervisor, capacity, heartbeat age, enable / disable / maintenance. */
export function HostsScreen() {
  const { t, lang } = useI18n();
  const { isAdmin } = useSession();
  const now = useNow(5000);
  const [sort, setSort] = useState('name');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Heartbeats are not announced on the stream: refresh every 10 s as well.
  const list = usePagedList<Host>('hosts', { sort }, { kinds: ['host', 'instance'], pollMs: 10_000, limit: 50 });
  // The operations that maintenance and enable answered, newest first, followed live.
  const [opIds, setOpIds] = useState<string[]>([]);
  const ops = useLiveResource(() => Promise.all(opIds.map((id) => client.get<Operation>('operations', id))), [opIds.join(',')], { kinds: ['operation', 'host'] });

  const act = async (h: Host, action: HostAction) => {
    setBusy(h.id);
    setError(null);
    try {
      const { path, body } = actionPath(h.id, action);
      const res = await client.request<Operation | Host>('POST', path, body === undefined ? {} : { body });
      if (action !== 'disable' && 'kind' in res) setOpIds((ids) => [res.id, ...ids].slice(0, 5));
      list.reload();
    } catch (e) { setError((e as Error).message); } finally { setBusy(null); }
  };

  if (!isAdmin) return <div><ScreenHeader title={t('host.title')} /><p>{t('common.adminOnly')}</p></div>;
  return (
    <div>
      <ScreenHeader title={t('host.title')} />
      <PagedTable
        list={list} testId="hosts-table" columns={9} error={error}
        header={<>
          <SortHeader field="name" label={t('common.name')} sort={sort} onSort={setSort} />
          <SortHeader field="state" label={t('common.state')} sort={sort} onSort={setSort} />
          <SortHeader field="adminState" label={t('host.adminState')} sort={sort} onSort={setSort} />
          <th scope="col">{t('host.hypervisor')}</th>
          <th scope="col">{t('host.accelerator')}</th>
          <th scope="col" className="meter-col">{t('host.capacity')}</th>
          <th scope="col">{t('host.instances')}</th>
          <th scope="col">{t('host.heartbeat')}</th>
          <th scope="col">{t('common.actions')}</th>
        </>}
        row={(h) => (
          <tr key={h.id} data-testid="host-row" data-state={h.state} data-admin-state={h.adminState}>
            <td><LinkTo to={`/hosts/${encodeURIComponent(h.id)}`}><strong>{h.name}</strong></LinkTo><div className="muted small">{h.address}</div></td>
            <td><StatusBadge value={h.state} label={hostStateLabel(t, h.state)} /></td>
            <td><StatusBadge value={h.adminState} label={hostAdminStateLabel(t, h.adminState)} /></td>
            <td>
              {h.hypervisor}<div className="muted small">{h.hypervisorVersion}</div>
              <div className="chips" data-testid="host-capabilities" role="list" aria-label={t('host.capabilities')} title={t('host.capabilities')}>{h.capabilities.map((c) => <span key={c} className="chip" role="listitem">{c}</span>)}</div>
            </td>
            <td>{h.accelerator || '—'}</td>
            <td className="meter-col">
              <UsageMeter label={t('dash.cpu')} used={h.cpuAllocated} total={h.cpus} format={formatCount} />
              <UsageMeter label={t('dash.memory')} used={h.memoryAllocatedMiB} total={h.memoryMiB} format={formatMiB} />
            </td>
            <td>{h.instanceCount}</td>
            <td className="nowrap">{h.lastHeartbeatAt ? t('host.ago', { age: formatAge(now - Date.parse(h.lastHeartbeatAt), lang) }) : t('host.never')}</td>
            <td>
              <div className="action-bar compact" role="group" aria-label={t('host.actionsFor', { name: h.name })}>
                {(['enable', 'disable', 'maintenance'] as const).map((a) => (
                  <button key={a} type="button" disabled={busy === h.id || isCurrent(h.adminState, a)} onClick={() => void act(h, a)} data-action={a}>{t(`action.${a}`)}</button>
                ))}
              </div>
            </td>
          </tr>
        )}
      />
      {opIds.length > 0 && (
        <section className="card" aria-labelledby="host-ops-title" data-testid="host-operations">
          <h2 id="host-ops-title">{t('host.operations')}</h2>
          <OperationProgressList ops={ops.data ?? []} empty={t('common.empty')} />
        </section>
      )}
    </div>
  );
}
