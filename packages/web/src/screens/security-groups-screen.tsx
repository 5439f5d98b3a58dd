import { Fragment, useState } from 'react';
import type { SecurityGroup } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { usePagedList } from '../api/use-paged-list.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { useAction } from '../api/use-action.ts';
import { formatDateTime } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ListScreen } from '../components/list-screen.tsx';
import { SortHeader } from '../components/sort-header.tsx';
import { DeleteButton } from '../components/delete-button.tsx';
import { SecurityGroupCreateForm } from '../components/security-group-create-form.tsx';
import { SecurityGroupRulesPanel } from '../components/security-group-rules-panel.tsx';

/** Security groups of the account: list, create, delete, and the rules of each. */
export function SecurityGroupsScreen() {
  const { t, lang } = useI18n();
  const [sort, setSort] = useState('name');
  const [open, setOpen] = useState<string | null>(null);
  const list = usePagedList<SecurityGroup>('security-groups', { sort }, { kinds: ['network'] });
  // Every group, to name and offer rule peers beyond this page.
  const all = useLiveResource(() => client.listAll<SecurityGroup>('security-groups'), [], { kinds: ['network'] });
  const reload = () => { list.reload(); all.reload(); };
  const action = useAction(reload);
  const toggleText = (g: SecurityGroup) => (open === g.id ? t('sg.hideRules') : t('sg.showRules'));
  return (
    <ListScreen
      title={t('sg.title')} createLabel={t('sg.create')} form={(done) => <SecurityGroupCreateForm onDone={done} />} onCreated={reload}
      list={list} testId="security-groups-table" error={action.error}
      header={[
        <SortHeader field="name" label={t('common.name')} sort={sort} onSort={setSort} />, t('common.description'), t('sg.rules'),
        <SortHeader field="createdAt" label={t('common.createdAt')} sort={sort} onSort={setSort} />, t('common.actions'),
      ]}
      row={(g) => (
        <Fragment key={g.id}>
          <tr data-testid="security-group-row" data-name={g.name}>
            <td><strong>{g.name}</strong></td>
            <td>{g.description || '—'}</td>
            <td data-key="rule-count">{g.rules.length}</td>
            <td className="nowrap">{formatDateTime(g.createdAt, lang)}</td>
            <td>
              <div className="action-bar compact">
                <button type="button" aria-expanded={open === g.id} aria-controls={`rules-row-${g.id}`} onClick={() => setOpen(open === g.id ? null : g.id)} aria-label={`${toggleText(g)}: ${g.name}`}>
                  {toggleText(g)}
                </button>
                <DeleteButton name={g.name} disabled={action.busy || g.name === 'default'} onClick={() => void action.run(() => client.delete('security-groups', g.id), t('common.confirmDelete', { name: g.name }))} />
              </div>
            </td>
          </tr>
          {open === g.id && (
            <tr id={`rules-row-${g.id}`}><td colSpan={5}><SecurityGroupRulesPanel group={g} groups={all.data ?? [g]} onChanged={reload} /></td></tr>
          )}
        </Fragment>
      )}
    />
  );
}
