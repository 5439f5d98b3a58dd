import { ApiError } from '@kumo/api';
import { useDocumentTitle } from '../lib/use-document-title.ts';
import { useNetworkDetail } from '../api/use-network-detail.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { LinkTo } from '../components/link-to.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { LoadingNote } from '../components/loading-note.tsx';
import { NetworkDetails } from '../components/network-details.tsx';
import { NicTable } from '../components/nic-table.tsx';
import { PublicIpsSection } from '../components/public-ips-section.tsx';
import { PortForwardsSection } from '../components/port-forwards-section.tsx';
import { FirewallSection } from '../components/firewall-section.tsx';
import { EgressSection } from '../components/egress-section.tsx';
import { LoadBalancersSection } from '../components/load-balancers-section.tsx';

/** One network: its facts and NICs; for an isolated one also public IPs, NAT, firewall, egress and load balancers. */
export function NetworkScreen({ id }: { id: string }) {
  const { t } = useI18n();
  const r = useNetworkDetail(id);
  useDocumentTitle(r.data?.network.name);
  const back = <LinkTo to="/networks">{t('net.back')}</LinkTo>;
  if (r.error instanceof ApiError && r.error.code === 'not_found') {
    return <div><ScreenHeader title={t('net.title')} /><p>{t('net.notFound')}</p>{back}</div>;
  }
  const d = r.data;
  return (
    <div data-testid="network-screen">
      <ScreenHeader title={d ? t('net.titleOne', { name: d.network.name }) : t('net.title')}>{back}</ScreenHeader>
      <ErrorNote message={r.error} />
      {!d ? <LoadingNote /> : (
        <>
          <section className="card" aria-labelledby="network-facts-title">
            <h2 id="network-facts-title">{t('net.facts')}</h2>
            <NetworkDetails network={d.network} zoneName={d.zoneName} />
          </section>
          <section className="card" aria-labelledby="network-nics-title">
            <h2 id="network-nics-title">{t('inst.nics')}</h2>
            <NicTable nics={d.nics} first="instance" names={d.instanceNames} groupNames={d.groupNames} testId="network-nics" />
          </section>
          {d.network.kind === 'isolated' && (
            <>
              <PublicIpsSection detail={d} onChanged={r.reload} />
              <PortForwardsSection detail={d} onChanged={r.reload} />
              <FirewallSection detail={d} onChanged={r.reload} />
              <EgressSection detail={d} onChanged={r.reload} />
              <LoadBalancersSection detail={d} onChanged={r.reload} />
            </>
          )}
        </>
      )}
    </div>
  );
}
