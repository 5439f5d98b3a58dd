import { useState } from 'react';
import type { Snapshot } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { usePagedList } from '../api/use-paged-list.ts';
import { formatDateTime, formatGiB } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { VolumeCreateForm } from '../components/volume-create-form.tsx';
import { SnapshotCaptureForm } from '../components/snapshot-capture-form.tsx';

/** Snapshots: list, a new volume from one, an image captured from one, restore its volume to it, delete. */
export function SnapshotsScreen() {
  const { t, lang } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [from, setFrom] = useState<Snapshot | null>(null);
  const [capturing, setCapturing] = useState<Snapshot | null>(null);
  const list = usePagedList<Snapshot>('snapshots', { sort: 'createdAt' }, { kinds: ['operation'] });
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try { await fn(); list.reload(); } catch (e) { setError((e as Error).message); }
  };
  const remove = (s: Snapshot) => {
    if (!window.confirm(t('common.confirmDelete', { name: s.name }))) return;
    void run(() => client.request('DELETE', `/api/v1/snapshots/${encodeURIComponent(s.id)}`));
  };
  const restore = (s: Snapshot) => {
    if (!window.confirm(t('snap.confirmRestore', { name: s.name, volume: s.volumeId }))) return;
    void run(() => client.request('POST', `/api/v1/volumes/${encodeURIComponent(s.volumeId)}/restore`, { body: { snapshotId: s.id } }));
  };
  return (
    <div>
      <ScreenHeader title={t('snap.title')} />
      {from && <VolumeCreateForm snapshotId={from.id} onDone={() => setFrom(null)} />}
      {capturing && <SnapshotCaptureForm key={capturing.id} snapshot={capturing} onClose={() => setCapturing(null)} />}
      <PagedTable
        list={list} testId="snapshots-table" columns={7} error={error}
        header={<>
          <th scope="col">{t('common.name')}</th>
          <th scope="col">{t('snap.volume')}</th>
          <th scope="col">{t('vol.size')}</th>
          <th scope="col">{t('snap.location')}</th>
          <th scope="col">{t('common.state')}</th>
          <th scope="col">{t('common.createdAt')}</th>
          <th scope="col">{t('common.actions')}</th>
        </>}
        row={(s) => (
          <tr key={s.id} data-testid="snapshot-row" data-name={s.name} data-phase={s.phase}>
            <td><strong>{s.name}</strong></td>
            <td className="mono">{s.volumeId}</td>
            <td>{formatGiB(s.sizeGiB)}</td>
            <td>{s.location === 'pool' ? t('snap.inPool') : t('snap.inImageStore')}</td>
            <td>{s.phase}{s.task ? ` (${s.task})` : ''}{s.errorReason ? <div className="muted small">{s.errorReason}</div> : null}</td>
            <td className="nowrap">{formatDateTime(s.createdAt, lang)}</td>
            <td className="nowrap">
              <button type="button" disabled={s.phase !== 'ready'} onClick={() => setFrom(s)} aria-label={t('snap.newVolumeNamed', { name: s.name })}>{t('snap.newVolume')}</button>
              <button type="button" disabled={s.phase !== 'ready'} onClick={() => setCapturing(s)} aria-label={t('snap.captureNamed', { name: s.name })}>{t('snap.capture')}</button>
              <button type="button" disabled={s.phase !== 'ready'} onClick={() => restore(s)} aria-label={t('snap.restoreNamed', { name: s.name })}>{t('snap.restore')}</button>
              <button type="button" className="danger" onClick={() => remove(s)} aria-label={t('snap.deleteNamed', { name: s.name })}>{t('common.delete')}</button>
            </td>
          </tr>
        )}
      />
    </div>
  );
}
