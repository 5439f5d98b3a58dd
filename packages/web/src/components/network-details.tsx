import type { Network } from '@kumo/api';
import { formatDateTime } from '../lib/format.ts';
import { segmentLabel } from '../lib/network-format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { DetailList, type DetailRow } from './detail-list.tsx';

/** Addressing, segment and router addresses of a network. */
export function NetworkDetails({ network: n, zoneName }: { network: Network; zoneName: string }) {
  const { t, lang } = useI18n();
  const rows: DetailRow[] = [
    [t('common.kind'), n.kind, 'kind'],
    [t('net.zone'), zoneName, 'zone'],
    [t('net.cidr'), <span className="mono">{n.cidr}</span>, 'cidr'],
    [t('net.gateway'), <span className="mono">{n.gateway}</span>, 'gateway'],
    [t('net.ipRange'), <span className="mono">{n.ipRange.start} – {n.ipRange.end}</span>, 'ip-range'],
    [t('net.segment'), segmentLabel(n), 'segment'],
    [t('net.mtu'), String(n.mtu), 'mtu'],
    [t('net.dnsDomain'), n.dnsDomain, 'dns-domain'],
    n.kind === 'isolated'
      ? [t('net.sourceNat'), <span className="mono">{n.sourceNatIp ?? '—'}</span>, 'source-nat']
      : [t('net.dhcpServer'), <span className="mono">{n.dhcpServerIp ?? '—'}</span>, 'dhcp-server'],
    [t('common.id'), <span className="mono">{n.id}</span>],
    [t('common.createdAt'), formatDateTime(n.createdAt, lang)],
  ];
  return <DetailList rows={rows} testId="network-details" />;
}
