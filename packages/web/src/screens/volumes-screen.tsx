import { useState } from 'react';
import type { Volume } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { usePagedList } from '../api/use-paged-list.ts';
import { formatGiB } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { LinkTo } from '../components/link-to.tsx';
import { VolumeCreateForm } from '../components/volume-create-form.tsx';

/** Volumes: list (root and data disks), create, snapshot, delete. Attach and detach live on the instance page. */
export function VolumesScreen() {
  const { t } = useI18n();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const list = usePagedList<Volume>('volumes', { sort: 'createdAt' }, { kinds: ['operation'] });
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try { await fn(); list.reload(); } catch (e) { setError((e as Error).message); }
  };
  const remove = (v: Volume) => {
    if (!window.confirm(t('common.confirmDelete', { name: v.name || v.id }))) return;
    void run(() => client.request('DELETE', `/api/v1/volumes/${encodeURIComponent(v.id)}`));
  };
  const snapshot = (v: Volume) => {
    const name = window.prompt(t('vol.snapshotName'), `${v.name || 'disk'}-snap`);
    if (name) void run(() => client.request('POST', `/api/v1/volumes/${encodeURIComponent(v.id)}/snapshots`, { body: { name } }));
  };
  return (
    <div>
      <ScreenHeader title={t('vol.title')}>
        <button type="button" className="primary" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>{creating ? t('common.cancel') : t('vol.create')}</button>
      </ScreenHeader>
      {creating && <VolumeCreateForm onDone={() => { setCreating(false); list.reload(); }} />}
      <PagedTable
        list={list} testId="volumes-table" columns={6} error={error}
        header={<>
          <th scope="col">{t('common.name')}</th>
          <th scope="col">{t('common.kind')}</th>
          <th scope="col">{t('vol.size')}</th>
          <th scope="col">{t('common.state')}</th>
          <th scope="col">{t('vol.attachedTo')}</th>
          <th scope="col">{t('common.actions')}</th>
        </>}
        row={(v) => (
          <tr key={v.id} data-testid="volume-row" data-name={v.name} data-phase={v.phase}>
            <td><strong>{v.name || v.id}</strong><div className="muted small mono">{v.id}</div></td>
            <td>{v.kind}</td>
            <td>{formatGiB(v.sizeGiB)}</td>
            <td>{v.phase}{v.task ? ` (${v.task})` : ''}</td>
            <td>{v.instanceId ? <LinkTo to={`/instances/${encodeURIComponent(v.instanceId)}`}>{v.instanceId}</LinkTo> : '-'}</td>
            <td className="nowrap">
              <button type="button" onClick={() => snapshot(v)} aria-label={t('vol.snapshotNamed', { name: v.name || v.id })}>{t('vol.snapshot')}</button>
              {v.kind === 'data' && <button type="button" className="danger" onClick={() => remove(v)} aria-label={t('vol.deleteNamed', { name: v.name || v.id })}>{t('common.delete')}</button>}
            </td>
          </tr>
        )}
      />
    </div>
  );
}
