import type { Zone } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { plainChoices } from '../lib/form-values.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ApiFormFrame } from './api-form-frame.tsx';
import { BoundSelect, BoundText } from './bound-fields.tsx';

/** A new isolated network: its router and source-NAT address come with it. */
export function NetworkCreateForm({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const zones = useLiveResource(() => client.listAll<Zone>('zones'), [], { kinds: [] });
  const f = useApiForm(
    { name: '', zoneId: '', cidr: '', gateway: '', egressDefaultPolicy: 'allow' },
    ['name', 'zoneId', 'cidr', 'gateway', 'egressDefaultPolicy'],
    (v) => client.create('networks', {
      name: v.name, zoneId: v.zoneId, kind: 'isolated', cidr: v.cidr.trim(), gateway: v.gateway.trim() || undefined, egressDefaultPolicy: v.egressDefaultPolicy,
    }),
    onDone,
  );
  return (
    <ApiFormFrame id="network-create" title={t('net.create')} submitLabel={t('common.create')} busy={f.busy} error={f.errors.form} onSubmit={f.submit}>
      <BoundText f={f} name="name" id="net-name" label={t('common.name')} />
      <BoundSelect f={f} name="zoneId" id="net-zone" label={t('net.zone')} choices={(zones.data ?? []).map((z) => ({ value: z.id, label: z.name }))} />
      <BoundText f={f} name="cidr" id="net-cidr" label={t('net.cidr')} hint={t('net.cidrHint')} />
      <BoundText f={f} name="gateway" id="net-gateway" label={t('net.gateway')} hint={t('net.gatewayHint')} />
      <BoundSelect f={f} name="egressDefaultPolicy" id="net-egress" label={t('net.egressPolicy')} choices={plainChoices(['allow', 'deny'])} />
    </ApiFormFrame>
  );
}
