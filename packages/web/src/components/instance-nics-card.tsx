import type { Network, Nic, SecurityGroup } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { namesById } from '../api/instance-names.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { NicTable } from './nic-table.tsx';
import { ErrorNote } from './error-note.tsx';
import { LoadingNote } from './loading-note.tsx';

/** The NICs of an instance: address, MAC, network and security groups. */
export function InstanceNicsCard({ instanceId }: { instanceId: string }) {
  const { t } = useI18n();
  const r = useLiveResource(async () => {
    const [nics, networks, groups] = await Promise.all([
      client.request<{ items: Nic[] }>('GET', `/api/v1/instances/${encodeURIComponent(instanceId)}/nics`),
      client.listAll<Network>('networks'),
      client.listAll<SecurityGroup>('security-groups'),
    ]);
    return { nics: nics.items, networkNames: namesById(networks), groupNames: namesById(groups) };
  }, [instanceId], { kinds: ['network'] });
  return (
    <section className="card" aria-labelledby="nics-title">
      <h2 id="nics-title">{t('inst.nics')}</h2>
      <ErrorNote message={r.error} />
      {!r.data ? <LoadingNote /> : (
        <NicTable nics={r.data.nics} first="network" names={r.data.networkNames} groupNames={r.data.groupNames} testId="instance-nics" />
      )}
    </section>
  );
}
