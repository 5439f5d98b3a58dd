import type { SecurityGroup } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { trafficBody } from '../lib/form-values.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ApiFormFrame } from './api-form-frame.tsx';
import { BoundSelect, BoundText } from './bound-fields.tsx';
import { TrafficFields } from './traffic-fields.tsx';

/** An allow rule: direction, traffic, and one peer (a CIDR or the members of a group). */
export function SecurityGroupRuleForm({ group, groups, onDone }: { group: SecurityGroup; groups: readonly SecurityGroup[]; onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm(
    { direction: 'ingress', protocol: 'tcp', ports: '', icmpType: '', icmpCode: '', cidr: '', remoteGroupId: '' },
    ['direction', 'protocol', 'ports', 'icmpType', 'icmpCode', 'cidr', 'remoteGroupId'],
    (v) => client.request('POST', `/api/v1/security-groups/${encodeURIComponent(group.id)}/rules`, {
      body: { direction: v.direction, ...trafficBody(v), cidr: v.cidr.trim() || undefined, remoteGroupId: v.remoteGroupId || undefined },
    }),
    onDone,
  );
  const id = (s: string) => `${group.id}-${s}`;
  return (
    <ApiFormFrame nested id={id('rule-create')} title={t('sg.addRule')} submitLabel={t('sg.addRule')} busy={f.busy} error={f.errors.form} onSubmit={f.submit}>
      <BoundSelect f={f} name="direction" id={id('direction')} label={t('sg.direction')} choices={[{ value: 'ingress', label: t('sg.ingress') }, { value: 'egress', label: t('sg.egress') }]} />
      <TrafficFields f={f} idPrefix={group.id} />
      <BoundText f={f} name="cidr" id={id('cidr')} label={t('sg.cidr')} hint={t('sg.peerHint')} />
      <BoundSelect
        f={f} name="remoteGroupId" id={id('remote')} label={t('sg.remoteGroup')}
        choices={[{ value: '', label: t('sg.noGroup') }, ...groups.map((g) => ({ value: g.id, label: g.name }))]}
      />
    </ApiFormFrame>
  );
}
