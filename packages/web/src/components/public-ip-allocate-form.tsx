import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ApiFormFrame } from './api-form-frame.tsx';
import { BoundText } from './bound-fields.tsx';

/** Allocate a public IP of the zone to a network: the lowest free one, or the address asked for. */
export function PublicIpAllocateForm({ networkId, onDone }: { networkId: string; onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm(
    { address: '' },
    ['address'],
    (v) => client.create('public-ips', { networkId, address: v.address.trim() || undefined }),
    onDone,
  );
  return (
    <ApiFormFrame nested id="public-ip-allocate" title={t('pip.allocate')} submitLabel={t('pip.allocate')} busy={f.busy} error={f.errors.form} onSubmit={f.submit}>
      <BoundText f={f} name="address" id="pip-address" label={t('pip.address')} hint={t('pip.addressHint')} />
    </ApiFormFrame>
  );
}
