import type { LoadBalancer } from '@kumo/api';
import type { NetworkDetail } from '../api/use-network-detail.ts';
import { nicLabel } from '../lib/network-format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ResourceSection } from './resource-section.tsx';
import { LoadBalancerForm } from './load-balancer-form.tsx';

/** Load balancers of an isolated network with their member NICs. */
export function LoadBalancersSection({ detail: d, onChanged }: { detail: NetworkDetail; onChanged: () => void }) {
  const { t } = useI18n();
  const member = (nicId: string) => {
    const nic = d.nics.find((n) => n.id === nicId);
    return nic ? nicLabel(nic, d.instanceNames) : nicId;
  };
  return (
    <ResourceSection<LoadBalancer>
      id="load-balancers-section" title={t('lb.title')} items={d.loadBalancers} onChanged={onChanged}
      addLabel={t('lb.add')} form={(done) => <LoadBalancerForm detail={d} onDone={done} />}
      header={[t('common.name'), t('pf.public'), t('lb.privatePort'), t('lb.algorithm'), t('lb.members')]}
      rowTestId="load-balancer-row"
      cells={(lb) => (
        <>
          <td><strong>{lb.name}</strong></td>
          <td className="mono">{lb.publicIp}:{lb.publicPort}</td>
          <td>{lb.privatePort}</td>
          <td>{lb.algorithm}</td>
          <td>{lb.memberNicIds.map(member).join(', ') || '—'}</td>
        </>
      )}
      deletion={{ resource: 'load-balancers', nameOf: (lb) => lb.name }}
    />
  );
}
