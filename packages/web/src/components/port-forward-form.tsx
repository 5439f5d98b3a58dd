import type { NetworkDetail } from '../api/use-network-detail.ts';
import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { parsePortRange, plainChoices } from '../lib/form-values.ts';
import { nicChoices, publicIpChoices } from '../lib/network-choices.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ApiFormFrame } from './api-form-frame.tsx';
import { BoundSelect, BoundText } from './bound-fields.tsx';

/** Forward a public IP's port (range) to a NIC of the network. */
export function PortForwardForm({ detail: d, onDone }: { detail: NetworkDetail; onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm(
    { publicIpId: '', protocol: 'tcp', publicPorts: '', privatePorts: '', nicId: '' },
    ['publicIpId', 'protocol', 'publicPorts', 'privatePorts', 'nicId'],
    (v) => client.create('port-forwards', {
      publicIpId: v.publicIpId, protocol: v.protocol, publicPorts: parsePortRange(v.publicPorts), privatePorts: parsePortRange(v.privatePorts), nicId: v.nicId,
    }),
    onDone,
  );
  return (
    <ApiFormFrame nested id="port-forward-create" title={t('pf.add')} submitLabel={t('common.create')} busy={f.busy} error={f.errors.form} onSubmit={f.submit}>
      <BoundSelect f={f} name="publicIpId" id="pf-public-ip" label={t('net.publicIp')} choices={publicIpChoices(d.publicIps, t('pip.sourceNat'))} />
      <BoundSelect f={f} name="protocol" id="pf-protocol" label={t('net.protocol')} choices={plainChoices(['tcp', 'udp'])} />
      <BoundText f={f} name="publicPorts" id="pf-public-ports" label={t('pf.publicPorts')} hint={t('net.portsHint')} />
      <BoundText f={f} name="privatePorts" id="pf-private-ports" label={t('pf.privatePorts')} hint={t('pf.privatePortsHint')} />
      <BoundSelect f={f} name="nicId" id="pf-nic" label={t('net.nic')} choices={nicChoices(d.nics, d.instanceNames)} />
    </ApiFormFrame>
  );
}
