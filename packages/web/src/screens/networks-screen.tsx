import { useState } from 'react';
import type { Network } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { usePagedList } from '../api/use-paged-list.ts';
import { useAction } from '../api/use-action.ts';
import { segmentLabel } from '../lib/network-format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { useSession } from '../session-context.ts';
import { ListScreen } from '../components/list-screen.tsx';
import { SortHeader } from '../components/sort-header.tsx';
import { LinkTo } from '../components/link-to.tsx';
import { DeleteButton } from '../components/delete-button.tsx';
import { NetworkCreateForm } from '../components/network-create-form.tsx';

/** Guest networks: list, create an isolated one, delete (shared ones: only admins). */
export function NetworksScreen() {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const [sort, setSort] = useState('name');
  const list = usePagedList<Network>('networks', { sort }, { kinds: ['network'] });
  const action = useAction(list.reload);
  return (
    <ListScreen
      title={t('net.title')} createLabel={t('net.create')} form={(done) => <NetworkCreateForm onDone={done} />}
      list={list} testId="networks-table" error={action.error}
      header={[
        <SortHeader field="name" label={t('common.name')} sort={sort} onSort={setSort} />, t('common.kind'),
        <SortHeader field="cidr" label={t('net.cidr')} sort={sort} onSort={setSort} />,
        t('net.segment'), t('net.sourceNat'), t('net.dhcpServer'), t('net.egressPolicy'), t('common.actions'),
      ]}
      row={(n) => (
        <tr key={n.id} data-testid="network-row" data-name={n.name}>
          <td><LinkTo to={`/networks/${encodeURIComponent(n.id)}`}>{n.name}</LinkTo></td>
          <td>{n.kind}</td>
          <td className="mono">{n.cidr}</td>
          <td>{segmentLabel(n)}</td>
          <td className="mono" data-key="source-nat">{n.sourceNatIp ?? '—'}</td>
          <td className="mono">{n.dhcpServerIp ?? '—'}</td>
          <td>{n.kind === 'isolated' ? n.egressDefaultPolicy : '—'}</td>
          <td><DeleteButton name={n.name} disabled={action.busy || (n.kind === 'shared' && !isAdmin)} onClick={() => void action.run(() => client.delete('networks', n.id), t('net.confirmDelete', { name: n.name }))} /></td>
        </tr>
      )}
    />
  );
}
