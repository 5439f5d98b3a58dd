import type { NetworkDetail } from '../api/use-network-detail.ts';
import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { numberOrUndefined, plainChoices } from '../lib/form-values.ts';
import { nicChoices, publicIpChoices } from '../lib/network-choices.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ApiFormFrame } from './api-form-frame.tsx';
import { BoundSelect, BoundText } from './bound-fields.tsx';
import { CheckList } from './check-list.tsx';

/** A TCP load balancer: public IP:port → private port on member NICs. */
export function LoadBalancerForm({ detail: d, onDone }: { detail: NetworkDetail; onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm(
    { name: '', publicIpId: '', publicPort: '', privatePort: '', algorithm: 'roundrobin', nicIds: [] as readonly string[] },
    ['name', 'publicIpId', 'publicPort', 'privatePort', 'algorithm', 'nicIds'],
    (v) => client.create('load-balancers', {
      name: v.name, publicIpId: v.publicIpId, publicPort: numberOrUndefined(v.publicPort), privatePort: numberOrUndefined(v.privatePort), algorithm: v.algorithm, nicIds: v.nicIds,
    }),
    onDone,
  );
  return (
    <ApiFormFrame nested id="load-balancer-create" title={t('lb.add')} submitLabel={t('common.create')} busy={f.busy} error={f.errors.form} onSubmit={f.submit}>
      <BoundText f={f} name="name" id="lb-name" label={t('common.name')} />
      <BoundSelect f={f} name="publicIpId" id="lb-public-ip" label={t('net.publicIp')} choices={publicIpChoices(d.publicIps, t('pip.sourceNat'))} />
      <BoundText f={f} name="publicPort" id="lb-public-port" label={t('lb.publicPort')} inputMode="numeric" />
      <BoundText f={f} name="privatePort" id="lb-private-port" label={t('lb.privatePort')} hint={t('lb.privatePortHint')} inputMode="numeric" />
      <BoundSelect f={f} name="algorithm" id="lb-algorithm" label={t('lb.algorithm')} choices={plainChoices(['roundrobin', 'leastconn'])} />
      <CheckList
        id="lb-members" legend={t('lb.members')} choices={nicChoices(d.nics, d.instanceNames)} value={f.values.nicIds}
        onChange={(ids) => f.set('nicIds', ids)} empty={t('net.noNics')} error={f.errors.fields.nicIds}
      />
    </ApiFormFrame>
  );
}
