import { useState } from 'react';
import type { Host, Instance, Operation } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { activeMigration, defaultMode, migrateBody, migrationFigures, migrationHistory, targetHosts } from '../lib/mobility.ts';
import { formatDateTime } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';
import { OperationProgress } from './operation-progress.tsx';
import { StatusBadge } from './status-badge.tsx';

/** A running migration: its bar (with Cancel) and the figures the source host reports about once a second. */
export function MigrationProgressView({ op, hostName }: { op: Operation; hostName: string | undefined }) {
  const { t } = useI18n();
  const f = migrationFigures(op);
  return (
    <div data-testid="migration-progress" data-op-id={op.id}>
      <p>{hostName ? t('mob.running', { host: hostName }) : t('mob.runningAuto')}</p>
      <OperationProgress op={op} showMessage={false} />
      {f ? (
        <p className="small" data-testid="migration-figures" data-pass={f.pass}>
          {t('mob.figures', { pass: String(f.pass), stage: f.stage, sent: f.sentMiB, remaining: f.remainingMiB, total: f.totalMiB, dirty: f.dirtyMiBs, downtime: String(f.downtimeMs) })}
        </p>
      ) : <p className="small muted">{t('mob.waitingFigures')}</p>}
    </div>
  );
}

/**
 * Migration of one instance (admins): a Migrate button opening the dialog (target host: automatic
 * or a chosen host; live or cold), the migration under way with live figures and Cancel, and the
 * instance's migration history.
 */
export function InstanceMigrationCard({ instance, hosts }: { instance: Instance; hosts: Map<string, Host> }) {
  const { t, lang } = useI18n();
  const ops = useLiveResource(
    () => client.list<Operation>('operations', { resourceId: instance.id, kind: 'instance.migrate', sort: '-createdAt', limit: 10 }),
    [instance.id], { kinds: ['operation'], debounceMs: 100 },
  );
  const [open, setOpen] = useState(false);
  const mode0 = defaultMode(instance);
  const [target, setTarget] = useState('');
  const [mode, setMode] = useState<'live' | 'cold'>(mode0 ?? 'live');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const items = ops.data?.items ?? [];
  const active = activeMigration(items);
  const history = migrationHistory(items);
  const choices = targetHosts(instance, [...hosts.values()]);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      await client.request<Operation>('POST', `/api/v1/instances/${encodeURIComponent(instance.id)}/migrate`, { body: migrateBody(target, mode) });
      setOpen(false);
      ops.reload();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="migration-title" data-testid="migration-card">
      <div className="section-head">
        <h2 id="migration-title">{t('mob.migrateTitle')}</h2>
        <button type="button" data-action="migrate" disabled={busy || !!active || mode0 === null} aria-expanded={open}
          title={mode0 === null ? t('mob.cannotMove', { phase: instance.phase }) : undefined}
          onClick={() => { setOpen(!open); setMode(mode0 ?? 'live'); }}>{t('mob.migrate')}</button>
      </div>
      {open && (
        <div role="dialog" aria-label={t('mob.migrateNamed', { name: instance.name })} data-testid="migrate-dialog" className="form-grid">
          <FormField id="migrate-target" label={t('mob.target')}>
            <select value={target} onChange={(e) => setTarget(e.target.value)}>
              <option value="">{t('mob.automatic')}</option>
              {choices.map((h) => <option key={h.id} value={h.id}>{h.name}</option>)}
            </select>
          </FormField>
          <FormField id="migrate-mode" label={t('mob.mode')}>
            <select value={mode} onChange={(e) => setMode(e.target.value === 'cold' ? 'cold' : 'live')}>
              <option value="live" disabled={mode0 !== 'live'}>{t('mob.live')}</option>
              <option value="cold">{t('mob.cold')}</option>
            </select>
          </FormField>
          <div className="form-actions">
            <button type="button" className="primary" disabled={busy} data-action="start-migration" onClick={() => void start()}>{t('mob.start')}</button>
            <button type="button" disabled={busy} onClick={() => setOpen(false)}>{t('mob.close')}</button>
          </div>
        </div>
      )}
      <ErrorNote message={error ?? ops.error} />
      {active && <MigrationProgressView op={active} hostName={target ? hosts.get(target)?.name : undefined} />}
      <h3>{t('mob.history')}</h3>
      {history.length === 0 ? <p className="muted" data-testid="migration-history-empty">{t('mob.noHistory')}</p> : (
        <table data-testid="migration-history">
          <thead><tr><th scope="col">{t('mob.when')}</th><th scope="col">{t('mob.outcome')}</th></tr></thead>
          <tbody>
            {history.map((o) => (
              <tr key={o.id} data-testid="migration-row" data-status={o.status}>
                <td className="nowrap">{formatDateTime(o.createdAt, lang)}</td>
                <td><StatusBadge value={o.status} label={o.status} /> <span className="small">{o.error ? `${o.error.code}: ${o.error.message}` : o.message}</span></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
