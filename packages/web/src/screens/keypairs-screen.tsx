import { useState } from 'react';
import type { Keypair } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { usePagedList } from '../api/use-paged-list.ts';
import { formatDateTime } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { KeypairCreateForm } from '../components/keypair-create-form.tsx';

/** SSH key pairs: list, add, delete. */
export function KeypairsScreen() {
  const { t, lang } = useI18n();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const list = usePagedList<Keypair>('keypairs', { sort: 'name' }, { kinds: [] });
  const remove = async (k: Keypair) => {
    if (!window.confirm(t('common.confirmDelete', { name: k.name }))) return;
    setError(null);
    try { await client.delete('keypairs', k.id); list.reload(); } catch (e) { setError((e as Error).message); }
  };
  return (
    <div>
      <ScreenHeader title={t('kp.title')}>
        <button type="button" className="primary" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>{creating ? t('common.cancel') : t('kp.create')}</button>
      </ScreenHeader>
      {creating && <KeypairCreateForm onDone={() => { setCreating(false); list.reload(); }} />}
      <PagedTable
        list={list} testId="keypairs-table" columns={4} error={error}
        header={<>
          <th scope="col">{t('common.name')}</th>
          <th scope="col">{t('kp.fingerprint')}</th>
          <th scope="col">{t('common.createdAt')}</th>
          <th scope="col">{t('common.actions')}</th>
        </>}
        row={(k) => (
          <tr key={k.id} data-testid="keypair-row">
            <td><strong>{k.name}</strong></td>
            <td className="mono">{k.fingerprint}</td>
            <td className="nowrap">{formatDateTime(k.createdAt, lang)}</td>
            <td><button type="button" className="danger" onClick={() => void remove(k)} aria-label={t('kp.deleteNamed', { name: k.name })}>{t('common.delete')}</button></td>
          </tr>
        )}
      />
    </div>
  );
}
