import type { EgressRule } from '@kumo/api';
import type { NetworkDetail } from '../api/use-network-detail.ts';
import { client } from '../api/kumo-client.ts';
import { useAction } from '../api/use-action.ts';
import { describeTraffic } from '../lib/network-format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ResourceSection } from './resource-section.tsx';
import { ErrorNote } from './error-note.tsx';
import { EgressRuleForm } from './egress-rule-form.tsx';

/** Outbound traffic of an isolated network: the default policy and the rules that make exceptions. */
export function EgressSection({ detail: d, onChanged }: { detail: NetworkDetail; onChanged: () => void }) {
  const { t } = useI18n();
  const policy = useAction(onChanged);
  const current = d.network.egressDefaultPolicy;
  const other = current === 'allow' ? 'deny' : 'allow';
  return (
    <ResourceSection<EgressRule>
      id="egress-section" title={t('egr.title')} items={d.egressRules} onChanged={onChanged}
      addLabel={t('egr.add')} form={(done) => <EgressRuleForm networkId={d.network.id} onDone={done} />}
      header={[t('net.traffic'), t('egr.destinationCidrs')]}
      rowTestId="egress-rule-row"
      cells={(r) => (
        <>
          <td>{describeTraffic(r)}</td>
          <td className="mono">{r.destinationCidrs.join(', ')}</td>
        </>
      )}
      deletion={{ resource: 'egress-rules', nameOf: describeTraffic }}
    >
      <div className="action-bar">
        <span data-testid="egress-policy" data-policy={current}>{t('egr.policyNow', { policy: current })}</span>
        <button type="button" disabled={policy.busy} onClick={() => void policy.run(() => client.update('networks', d.network.id, { egressDefaultPolicy: other }))}>
          {t('egr.setPolicy', { policy: other })}
        </button>
      </div>
      <ErrorNote message={policy.error} />
    </ResourceSection>
  );
}
