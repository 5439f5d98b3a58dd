import { useState } from 'react';
import type { Host, HostEvacuation, HostEvacuationItem } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { evacuationDone, migrationFigures, stuckItems, waitsForChoice } from '../lib/mobility.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import type { MessageKey } from '../i18n/messages-en.ts';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';
import { LinkTo } from './link-to.tsx';
import { ProgressBar } from './progress-bar.tsx';
import { StatusBadge } from './status-badge.tsx';

const itemLabel: Record<HostEvacuationItem['state'], MessageKey> = {
  pending: 'mob.itemPending', migrating: 'mob.itemMigrating', moved: 'mob.itemMoved', stopped: 'mob.itemStopped', blocked: 'mob.itemBlocked', failed: 'mob.itemFailed',
};
const itemTone: Record<HostEvacuationItem['state'], string> = { pending: 'pending', migrating: 'pending', moved: 'succeeded', stopped: 'stopped', blocked: 'failed', failed: 'failed' };

function EvacuationRow({ it }: { it: HostEvacuationItem }) {
  const { t } = useI18n();
  const f = migrationFigures(it);
  return (
    <tr data-testid="evacuation-row" data-state={it.state} data-instance={it.name}>
      <td><LinkTo to={`/instances/${it.instanceId}`}>{it.name}</LinkTo></td>
      <td><StatusBadge value={itemTone[it.state]} label={t(itemLabel[it.state])} /></td>
      <td><ProgressBar value={it.progress / 100} label={t('mob.progress')} tone={it.state === 'failed' || it.state === 'blocked' ? 'danger' : 'accent'} /> <span className="small muted">{it.progress}%</span></td>
      <td className="small">
        {it.reason ?? (f ? t('mob.figures', { pass: String(f.pass), stage: f.stage, sent: f.sentMiB, remaining: f.remainingMiB, total: f.totalMiB, dirty: f.dirtyMiBs, downtime: String(f.downtimeMs) }) : '')}
      </td>
    </tr>
  );
}

/**
 * A host's maintenance (admins): start it (migrations at once, what to do with stopped instances),
 * follow its evacuation per instance, and when some instances cannot move, choose: stop them or
 * cancel the maintenance. Enable returns a host in maintenance to service.
 */
export function HostMaintenanceCard({ host }: { host: Host }) {
  const { t } = useI18n();
  const ev = useLiveResource(() => client.request<HostEvacuation>('GET', `/api/v1/hosts/${encodeURIComponent(host.id)}/evacuation`), [host.id, host.adminState],
    { kinds: ['host', 'operation', 'instance'], debounceMs: 300, pollMs: 5_000 });
  const [concurrency, setConcurrency] = useState('2');
  const [stopped, setStopped] = useState<'leave' | 'move'>('leave');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const base = `/api/v1/hosts/${encodeURIComponent(host.id)}`;
  const run = async (path: string, body?: unknown) => {
    setBusy(true);
    setError(null);
    try { await client.request('POST', `${base}/${path}`, body === undefined ? {} : { body }); ev.reload(); } catch (e) { setError((e as Error).message); } finally { setBusy(false); }
  };
  const e = ev.data;
  const stuck = stuckItems(e);
  const inMaintenance = host.adminState === 'preparing-maintenance' || host.adminState === 'in-maintenance';
  return (
    <section className="card" aria-labelledby="maintenance-title" data-testid="maintenance-card" data-admin-state={host.adminState}>
      <div className="section-head">
        <h2 id="maintenance-title">{t('mob.maintenance')}</h2>
        <StatusBadge value={host.adminState} label={t('mob.adminState', { state: host.adminState })} />
      </div>
      {!inMaintenance && (
        <div className="form-grid">
          <FormField id="maint-concurrency" label={t('mob.concurrency')}>
            <input type="number" min={1} max={32} value={concurrency} onChange={(x) => setConcurrency(x.target.value)} />
          </FormField>
          <FormField id="maint-stopped" label={t('mob.stoppedPolicy')}>
            <select value={stopped} onChange={(x) => setStopped(x.target.value === 'move' ? 'move' : 'leave')}>
              <option value="leave">{t('mob.stoppedLeave')}</option>
              <option value="move">{t('mob.stoppedMove')}</option>
            </select>
          </FormField>
          <div className="form-actions">
            <button type="button" className="primary" disabled={busy} data-action="start-maintenance"
              onClick={() => void run('maintenance', { concurrency: Number(concurrency), stoppedInstances: stopped })}>{t('mob.startMaintenance')}</button>
          </div>
        </div>
      )}
      {host.adminState === 'in-maintenance' && <button type="button" disabled={busy} data-action="enable-host" onClick={() => void run('enable')}>{t('mob.enable')}</button>}
      <ErrorNote message={error ?? ev.error} />
      {e && waitsForChoice(e) && (
        <div className="notice" role="alert" data-testid="evacuation-blocked">
          <h3>{t('mob.blockedTitle')}</h3>
          <ul>{stuck.map((i) => <li key={i.instanceId} data-testid="blocked-instance">{i.name}: {i.reason ?? i.state}</li>)}</ul>
          <p className="small">{t('mob.blockedHelp')}</p>
          <div className="form-actions">
            <button type="button" className="danger" disabled={busy} data-action="stop-remaining" onClick={() => void run('maintenance', { stopRemaining: true })}>{t('mob.stopThem')}</button>
            <button type="button" disabled={busy} data-action="cancel-maintenance" onClick={() => void run('enable')}>{t('mob.cancelMaintenance')}</button>
          </div>
        </div>
      )}
      {e?.options.stopRemaining && stuck.length > 0 && <p className="small text-warn">{t('mob.stopping')}</p>}
      {host.adminState === 'preparing-maintenance' && !(e && waitsForChoice(e)) && (
        <button type="button" disabled={busy} data-action="cancel-maintenance" onClick={() => void run('enable')}>{t('mob.cancelMaintenance')}</button>
      )}
      <h3>{t('mob.evacuation')}</h3>
      {!e || e.items.length === 0 ? <p className="muted" data-testid="evacuation-empty">{t('mob.noEvacuation')}</p> : (
        <>
          <ProgressBar value={evacuationDone(e)} label={t('mob.evacuationOf', { name: host.name })} />
          <table data-testid="evacuation-table">
            <thead><tr><th scope="col">{t('mob.instance')}</th><th scope="col">{t('mob.state')}</th><th scope="col">{t('mob.progress')}</th><th scope="col">{t('mob.detail')}</th></tr></thead>
            <tbody>{e.items.map((it) => <EvacuationRow key={it.instanceId} it={it} />)}</tbody>
          </table>
        </>
      )}
    </section>
  );
}
