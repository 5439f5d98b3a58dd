import type { NetworkDetail } from '../api/use-network-detail.ts';
import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { parseList, trafficBody } from '../lib/form-values.ts';
import { publicIpChoices } from '../lib/network-choices.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ApiFormFrame } from './api-form-frame.tsx';
import { BoundSelect, BoundText } from './bound-fields.tsx';
import { TrafficFields } from './traffic-fields.tsx';

/** Allow new inbound connections to a public IP (before port forwarding). */
export function FirewallRuleForm({ detail: d, onDone }: { detail: NetworkDetail; onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm(
    { publicIpId: '', protocol: 'tcp', ports: '', icmpType: '', icmpCode: '', sourceCidrs: '' },
    ['publicIpId', 'protocol', 'ports', 'icmpType', 'icmpCode', 'sourceCidrs'],
    (v) => client.create('firewall-rules', { publicIpId: v.publicIpId, ...trafficBody(v), sourceCidrs: parseList(v.sourceCidrs) }),
    onDone,
  );
  return (
    <ApiFormFrame nested id="firewall-rule-create" title={t('fw.add')} submitLabel={t('common.create')} busy={f.busy} error={f.errors.form} onSubmit={f.submit}>
      <BoundSelect f={f} name="publicIpId" id="fw-public-ip" label={t('net.publicIp')} choices={publicIpChoices(d.publicIps, t('pip.sourceNat'))} />
      <TrafficFields f={f} idPrefix="fw" />
      <BoundText f={f} name="sourceCidrs" id="fw-sources" label={t('fw.sourceCidrs')} hint={t('net.cidrsHint')} />
    </ApiFormFrame>
  );
}
