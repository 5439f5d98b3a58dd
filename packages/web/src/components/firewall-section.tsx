import type { FirewallRule } from '@kumo/api';
import type { NetworkDetail } from '../api/use-network-detail.ts';
import { describeTraffic } from '../lib/network-format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ResourceSection } from './resource-section.tsx';
import { FirewallRuleForm } from './firewall-rule-form.tsx';

/** Firewall (ingress) rules of an isolated network's public IPs. */
export function FirewallSection({ detail: d, onChanged }: { detail: NetworkDetail; onChanged: () => void }) {
  const { t } = useI18n();
  return (
    <ResourceSection<FirewallRule>
      id="firewall-section" title={t('fw.title')} items={d.firewallRules} onChanged={onChanged}
      addLabel={t('fw.add')} form={(done) => <FirewallRuleForm detail={d} onDone={done} />}
      header={[t('net.publicIp'), t('net.traffic'), t('fw.sourceCidrs')]}
      rowTestId="firewall-rule-row"
      cells={(r) => (
        <>
          <td className="mono">{r.publicIp}</td>
          <td>{describeTraffic(r)}</td>
          <td className="mono">{r.sourceCidrs.join(', ')}</td>
        </>
      )}
      deletion={{ resource: 'firewall-rules', nameOf: (r) => `${r.publicIp} ${describeTraffic(r)}` }}
    />
  );
}
