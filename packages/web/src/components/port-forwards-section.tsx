import type { PortForward } from '@kumo/api';
import type { NetworkDetail } from '../api/use-network-detail.ts';
import { formatPortRange } from '../lib/network-format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ResourceSection } from './resource-section.tsx';
import { PortForwardForm } from './port-forward-form.tsx';

/** Port forwards of an isolated network: public IP:ports → NIC:ports. */
export function PortForwardsSection({ detail: d, onChanged }: { detail: NetworkDetail; onChanged: () => void }) {
  const { t } = useI18n();
  const instanceOfNic = (nicId: string) => d.instanceNames.get(d.nics.find((n) => n.id === nicId)?.instanceId ?? '') ?? nicId;
  return (
    <ResourceSection<PortForward>
      id="port-forwards-section" title={t('pf.title')} items={d.portForwards} onChanged={onChanged}
      addLabel={t('pf.add')} form={(done) => <PortForwardForm detail={d} onDone={done} />}
      header={[t('net.protocol'), t('pf.public'), t('pf.private'), t('net.nic')]}
      rowTestId="port-forward-row"
      cells={(pf) => (
        <>
          <td>{pf.protocol}</td>
          <td className="mono">{pf.publicIp}:{formatPortRange(pf.publicPorts)}</td>
          <td className="mono">{pf.privateIp}:{formatPortRange(pf.privatePorts)}</td>
          <td>{instanceOfNic(pf.nicId)}</td>
        </>
      )}
      deletion={{ resource: 'port-forwards', nameOf: (pf) => `${pf.protocol} ${pf.publicIp}:${formatPortRange(pf.publicPorts)}` }}
    />
  );
}
