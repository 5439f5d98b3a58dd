import type { Zone } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';

/** Create a data volume of exactly the size asked for (optionally from a snapshot), in the only zone or the first one. */
export function VolumeCreateForm({ onDone, snapshotId }: { onDone: () => void; snapshotId?: string | undefined }) {
  const { t } = useI18n();
  const f = useApiForm(
    { name: '', sizeGiB: '' },
    ['name', 'sizeGiB'],
    async (v) => {
      const zones = await client.list<Zone>('zones', { limit: 1 });
      const zoneId = zones.items[0]?.id ?? '';
      return client.create('volumes', {
        name: v.name, zoneId, ...(v.sizeGiB ? { sizeGiB: Number(v.sizeGiB) } : {}), ...(snapshotId ? { snapshotId } : {}),
      });
    },
    onDone,
  );
  const e = f.errors.fields;
  return (
    <form className="card form" onSubmit={f.submit} noValidate aria-labelledby="vol-create-title" data-testid="volume-create">
      <h2 id="vol-create-title">{snapshotId ? t('vol.createFromSnapshot') : t('vol.create')}</h2>
      <FormField id="vol-name" label={t('common.name')} error={e.name}><input value={f.values.name} onChange={(x) => f.set('name', x.target.value)} /></FormField>
      <FormField id="vol-size" label={t('vol.sizeGiB')} error={e.sizeGiB} {...(snapshotId ? { hint: t('vol.sizeFromSnapshotHint') } : {})}>
        <input inputMode="numeric" value={f.values.sizeGiB} onChange={(x) => f.set('sizeGiB', x.target.value)} />
      </FormField>
      <ErrorNote message={f.errors.form} />
      <div className="form-actions"><button type="submit" className="primary" disabled={f.busy}>{t('common.create')}</button></div>
    </form>
  );
}
