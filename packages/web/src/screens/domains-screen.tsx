import { useState } from 'react';
import type { Domain } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { usePagedList } from '../api/use-paged-list.ts';
import { formatDateTime } from '../lib/format.ts';
import { domainDepth, sortDomainTree } from '../lib/domain-tree.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { DomainCreateForm } from '../components/domain-create-form.tsx';

/** Domains (admins): the tree in path order, create, disable / enable. */
export function DomainsScreen() {
  const { t, lang } = useI18n();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const list = usePagedList<Domain>('domains', {}, { kinds: [], limit: 1000 });
  const domains = sortDomainTree(list.items);
  const setState = async (d: Domain, state: 'enabled' | 'disabled') => {
    setError(null);
    try { await client.update('domains', d.id, { state }); list.reload(); } catch (e) { setError((e as Error).message); }
  };
  return (
    <div>
      <ScreenHeader title={t('dom.title')}>
        <button type="button" className="primary" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>{creating ? t('common.cancel') : t('dom.create')}</button>
      </ScreenHeader>
      {creating && <DomainCreateForm domains={domains} onDone={() => { setCreating(false); list.reload(); }} />}
      <PagedTable
        list={{ ...list, items: domains }} testId="domains-table" columns={5} error={error}
        header={<>
          <th scope="col">{t('common.name')}</th>
          <th scope="col">{t('dom.path')}</th>
          <th scope="col">{t('common.state')}</th>
          <th scope="col">{t('common.createdAt')}</th>
          <th scope="col">{t('common.actions')}</th>
        </>}
        row={(d) => (
          <tr key={d.id} data-testid="domain-row" data-state={d.state}>
            <td style={{ paddingInlineStart: `${domainDepth(d.path) * 1.5 + 0.5}em` }}><strong>{d.name}</strong></td>
            <td className="mono">{d.path}</td>
            <td>{d.state === 'disabled' ? t('dom.disabled') : t('dom.enabled')}</td>
            <td className="nowrap">{formatDateTime(d.createdAt, lang)}</td>
            <td>{d.parentId !== null && (d.state === 'disabled'
              ? <button type="button" onClick={() => void setState(d, 'enabled')} aria-label={t('dom.enableNamed', { name: d.name })}>{t('dom.enable')}</button>
              : <button type="button" className="danger" onClick={() => void setState(d, 'disabled')} aria-label={t('dom.disableNamed', { name: d.name })}>{t('dom.disable')}</button>)}</td>
          </tr>
        )}
      />
    </div>
  );
}
