import { useState } from 'react';
import type { Nic, PublicIp } from '@kumo/api';
import type { ActionRunner } from '../api/use-action.ts';
import { client } from '../api/kumo-client.ts';
import { nicLabel } from '../lib/network-format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/** Static NAT of one public IP: the NIC it maps to with a button to stop, or a NIC to choose and a button to start. */
export function StaticNatControl({ ip, nics, instanceNames, action }: { ip: PublicIp; nics: readonly Nic[]; instanceNames: ReadonlyMap<string, string>; action: ActionRunner }) {
  const { t } = useI18n();
  const [nicId, setNicId] = useState('');
  const path = `/api/v1/public-ips/${encodeURIComponent(ip.id)}/static-nat`;
  if (ip.sourceNat) return <span className="muted">—</span>;
  const mapped = ip.staticNatNicId ? nics.find((n) => n.id === ip.staticNatNicId) : undefined;
  if (ip.staticNatNicId) {
    return (
      <div className="action-bar compact">
        <span>→ {mapped ? nicLabel(mapped, instanceNames) : ip.staticNatNicId}</span>
        <button type="button" disabled={action.busy} onClick={() => void action.run(() => client.request('DELETE', path))} aria-label={t('pip.disableStaticNatOf', { address: ip.address })}>
          {t('pip.disableStaticNat')}
        </button>
      </div>
    );
  }
  const chosen = nicId || nics[0]?.id || '';
  return (
    <div className="action-bar compact">
      <select value={chosen} onChange={(e) => setNicId(e.target.value)} aria-label={t('pip.staticNatNic', { address: ip.address })} disabled={nics.length === 0}>
        {nics.map((n) => <option key={n.id} value={n.id}>{nicLabel(n, instanceNames)}</option>)}
      </select>
      <button type="button" disabled={action.busy || !chosen} onClick={() => void action.run(() => client.request('POST', path, { body: { nicId: chosen } }))} aria-label={t('pip.enableStaticNatOf', { address: ip.address })}>
        {t('pip.enableStaticNat')}
      </button>
    </div>
  );
}
