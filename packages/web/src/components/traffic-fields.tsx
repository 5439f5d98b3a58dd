import type { ApiForm } from '../api/use-api-form.ts';
import { plainChoices, type TrafficText } from '../lib/form-values.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { BoundSelect, BoundText } from './bound-fields.tsx';

const protocols = ['tcp', 'udp', 'icmp', 'all'] as const;

/** Protocol, then ports (tcp, udp) or ICMP type and code: the traffic a firewall, egress or security-group rule allows. */
export function TrafficFields<V extends TrafficText & Record<string, string | boolean | readonly string[]>>({ f, idPrefix }: { f: ApiForm<V>; idPrefix: string }) {
  const { t } = useI18n();
  const form = f as unknown as ApiForm<TrafficText & Record<string, string>>;
  const p = form.values.protocol;
  return (
    <>
      <BoundSelect f={form} name="protocol" id={`${idPrefix}-protocol`} label={t('net.protocol')} choices={plainChoices(protocols)} />
      {(p === 'tcp' || p === 'udp') && <BoundText f={form} name="ports" id={`${idPrefix}-ports`} label={t('net.ports')} hint={t('net.portsAllHint')} />}
      {p === 'icmp' && <BoundText f={form} name="icmpType" id={`${idPrefix}-icmp-type`} label={t('net.icmpType')} inputMode="numeric" />}
      {p === 'icmp' && <BoundText f={form} name="icmpCode" id={`${idPrefix}-icmp-code`} label={t('net.icmpCode')} inputMode="numeric" />}
    </>
  );
}
