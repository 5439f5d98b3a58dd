import { useState } from 'react';
import type { Account, Domain, ListResponse } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { usePagedList } from '../api/use-paged-list.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { sortDomainTree } from '../lib/domain-tree.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { AccountCreateForm } from '../components/account-create-form.tsx';

/** Accounts (admins): domain, kind, state and role; create in a domain, disable / enable, delete (409 while it owns resources). */
export function AccountsScreen() {
  const { t } = useI18n();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const list = usePagedList<Account>('accounts', { sort: 'name' }, { kinds: [] });
  const domains = useLiveResource<ListResponse<Domain>>(() => client.list<Domain>('domains', {}), [], { kinds: [] });
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try { await fn(); list.reload(); } catch (e) { setError((e as Error).message); }
  };
  const remove = (a: Account) => {
    if (!window.confirm(t('common.confirmDelete', { name: a.name }))) return;
    void act(() => client.delete('accounts', a.id));
  };
  return (
    <div>
      <ScreenHeader title={t('acct.title')}>
        <button type="button" className="primary" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>{creating ? t('common.cancel') : t('acct.create')}</button>
      </ScreenHeader>
      {creating && <AccountCreateForm domains={sortDomainTree(domains.data?.items ?? [])} onDone={() => { setCreating(false); list.reload(); }} />}
      <PagedTable
        list={list} testId="accounts-table" columns={6} error={error}
        header={<>
          <th scope="col">{t('common.name')}</th>
          <th scope="col">{t('acct.domain')}</th>
          <th scope="col">{t('acct.kind')}</th>
          <th scope="col">{t('common.state')}</th>
          <th scope="col">{t('acct.role')}</th>
          <th scope="col">{t('common.actions')}</th>
        </>}
        row={(a) => (
          <tr key={a.id} data-testid="account-row" data-state={a.state}>
            <td><strong>{a.name}</strong></td>
            <td className="mono">{a.domainPath ?? ''}</td>
            <td>{a.kind ?? ''}</td>
            <td>{a.state === 'disabled' ? t('dom.disabled') : t('dom.enabled')}</td>
            <td>{a.roleName ?? a.role}</td>
            <td className="nowrap">
              {a.state === 'disabled'
                ? <button type="button" onClick={() => void act(() => client.update('accounts', a.id, { state: 'enabled' }))} aria-label={t('acct.enableNamed', { name: a.name })}>{t('dom.enable')}</button>
                : <button type="button" onClick={() => void act(() => client.update('accounts', a.id, { state: 'disabled' }))} aria-label={t('acct.disableNamed', { name: a.name })}>{t('dom.disable')}</button>}
              {' '}<button type="button" className="danger" onClick={() => remove(a)} aria-label={t('acct.deleteNamed', { name: a.name })}>{t('common.delete')}</button>
            </td>
          </tr>
        )}
      />
    </div>
  );
}
