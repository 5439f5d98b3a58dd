import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { parseList, trafficBody } from '../lib/form-values.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ApiFormFrame } from './api-form-frame.tsx';
import { BoundText } from './bound-fields.tsx';
import { TrafficFields } from './traffic-fields.tsx';

/** An exception to the network's egress default policy. */
export function EgressRuleForm({ networkId, onDone }: { networkId: string; onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm(
    { protocol: 'tcp', ports: '', icmpType: '', icmpCode: '', destinationCidrs: '' },
    ['protocol', 'ports', 'icmpType', 'icmpCode', 'destinationCidrs'],
    (v) => client.create('egress-rules', { networkId, ...trafficBody(v), destinationCidrs: parseList(v.destinationCidrs) }),
    onDone,
  );
  return (
    <ApiFormFrame nested id="egress-rule-create" title={t('egr.add')} submitLabel={t('common.create')} busy={f.busy} error={f.errors.form} onSubmit={f.submit}>
      <TrafficFields f={f} idPrefix="egr" />
      <BoundText f={f} name="destinationCidrs" id="egr-destinations" label={t('egr.destinationCidrs')} hint={t('net.cidrsHint')} />
    </ApiFormFrame>
  );
}
