import type { Nic } from '@kumo/api';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ItemTable } from './item-table.tsx';
import { LinkTo } from './link-to.tsx';

/**
 * NICs with address, MAC and security groups. On a network page the first column is the
 * instance, on an instance page the network (`names` gives their names by id).
 */
export function NicTable({ nics, first, names, groupNames, testId }: {
  nics: readonly Nic[]; first: 'instance' | 'network'; names: ReadonlyMap<string, string>; groupNames: ReadonlyMap<string, string>; testId: string;
}) {
  const { t } = useI18n();
  return (
    <ItemTable
      items={nics} testId={testId}
      header={[first === 'instance' ? t('nic.instance') : t('nic.network'), t('nic.ip'), t('nic.mac'), t('nic.device'), t('nic.groups')]}
      row={(n) => {
        const target = first === 'instance' ? n.instanceId : n.networkId;
        return (
          <tr key={n.id} data-testid="nic-row" data-ip={n.ip}>
            <td><LinkTo to={`/${first === 'instance' ? 'instances' : 'networks'}/${encodeURIComponent(target)}`}>{names.get(target) ?? target}</LinkTo></td>
            <td className="mono">{n.ip}</td>
            <td className="mono">{n.mac}</td>
            <td>eth{n.deviceIndex}</td>
            <td>{n.securityGroupIds.map((g) => groupNames.get(g) ?? g).join(', ') || '—'}</td>
          </tr>
        );
      }}
    />
  );
}
