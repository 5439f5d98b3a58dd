import type { PublicIp } from '@kumo/api';
import type { NetworkDetail } from '../api/use-network-detail.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ResourceSection } from './resource-section.tsx';
import { PublicIpAllocateForm } from './public-ip-allocate-form.tsx';
import { StaticNatControl } from './static-nat-control.tsx';

/** The public IPs of an isolated network: allocate, release, static NAT. */
export function PublicIpsSection({ detail: d, onChanged }: { detail: NetworkDetail; onChanged: () => void }) {
  const { t } = useI18n();
  return (
    <ResourceSection<PublicIp>
      id="public-ips-section" title={t('pip.title')} items={d.publicIps} onChanged={onChanged}
      addLabel={t('pip.allocate')} form={(done) => <PublicIpAllocateForm networkId={d.network.id} onDone={done} />}
      header={[t('pip.address'), t('pip.use'), t('pip.staticNat')]}
      rowTestId="public-ip-row" rowData={(ip) => ({ 'data-address': ip.address, 'data-source-nat': String(ip.sourceNat) })}
      cells={(ip, action) => (
        <>
          <td className="mono">{ip.address}</td>
          <td>{ip.sourceNat ? t('pip.sourceNat') : ip.staticNatNicId ? t('pip.staticNat') : '—'}</td>
          <td><StaticNatControl ip={ip} nics={d.nics} instanceNames={d.instanceNames} action={action} /></td>
        </>
      )}
      deletion={{
        resource: 'public-ips', nameOf: (ip) => ip.address, text: t('pip.release'), disabled: (ip) => ip.sourceNat,
        question: (address) => t('pip.confirmRelease', { address }),
      }}
    />
  );
}
