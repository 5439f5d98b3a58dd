import type { SecurityGroup, SecurityGroupRule } from '@kumo/api';
import { describeTraffic } from '../lib/network-format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ResourceSection } from './resource-section.tsx';
import { SecurityGroupRuleForm } from './security-group-rule-form.tsx';

/** The rules of one security group: add and remove. `groups` names the peers and offers them. */
export function SecurityGroupRulesPanel({ group, groups, onChanged }: { group: SecurityGroup; groups: readonly SecurityGroup[]; onChanged: () => void }) {
  const { t } = useI18n();
  const peer = (r: SecurityGroupRule) => r.cidr ?? t('sg.membersOf', { group: groups.find((g) => g.id === r.remoteGroupId)?.name ?? r.remoteGroupId ?? '?' });
  const describe = (r: SecurityGroupRule) => `${r.direction} ${describeTraffic(r)} ${peer(r)}`;
  return (
    <ResourceSection<SecurityGroupRule>
      plain id={`rules-${group.id}`} title={t('sg.rulesOf', { name: group.name })} items={group.rules} onChanged={onChanged}
      addLabel={t('sg.addRule')} form={(done) => <SecurityGroupRuleForm group={group} groups={groups} onDone={done} />}
      header={[t('sg.direction'), t('net.traffic'), t('sg.peer')]}
      rowTestId="security-group-rule-row"
      cells={(r) => (
        <>
          <td>{r.direction === 'ingress' ? t('sg.ingress') : t('sg.egress')}</td>
          <td>{describeTraffic(r)}</td>
          <td className={r.cidr ? 'mono' : undefined}>{peer(r)}</td>
        </>
      )}
      deletion={{ resource: `security-groups/${encodeURIComponent(group.id)}/rules`, nameOf: describe, text: t('common.remove') }}
    />
  );
}
