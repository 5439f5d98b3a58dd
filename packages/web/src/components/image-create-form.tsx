import { client } from '../api/kumo-client.ts';
import { numberOrUndefined, useApiForm } from '../api/use-api-form.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { useSession } from '../session-context.ts';
import { FormField } from './form-field.tsx';
import { CheckField } from './check-field.tsx';
import { ErrorNote } from './error-note.tsx';
import { defaultImagePropertyValues, ImagePropertyFields, imagePropertyFieldNames } from './image-property-fields.tsx';

/** Register a new image (its versions and files come next). */
export function ImageCreateForm({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const f = useApiForm(
    { name: '', description: '', kind: 'template', minDiskGiB: '1', public: false as boolean, ...defaultImagePropertyValues },
    ['name', 'description', 'kind', 'minDiskGiB', 'public', ...imagePropertyFieldNames],
    (v) => client.create('images', {
      name: v.name, kind: v.kind, osType: v.osType, minDiskGiB: numberOrUndefined(v.minDiskGiB),
      firmware: v.firmware, secureBoot: v.secureBoot, diskBus: v.diskBus, nicModel: v.nicModel, tpm: v.tpm, guestAgent: v.guestAgent,
      minMemoryMiB: numberOrUndefined(v.minMemoryMiB),
      ...(v.description ? { description: v.description } : {}), ...(v.public ? { public: true } : {}),
    }),
    onDone,
  );
  const e = f.errors.fields;
  return (
    <form className="card form" onSubmit={f.submit} noValidate aria-labelledby="image-create-title">
      <h2 id="image-create-title">{t('img.create')}</h2>
      <div className="form-grid">
        <FormField id="image-name" label={t('common.name')} error={e.name}><input value={f.values.name} onChange={(x) => f.set('name', x.target.value)} /></FormField>
        <FormField id="image-kind" label={t('img.kind')} error={e.kind}>
          <select value={f.values.kind} onChange={(x) => f.set('kind', x.target.value)}>
            <option value="template">template</option><option value="iso">iso</option><option value="kernel">kernel</option>
          </select>
        </FormField>
        <FormField id="image-min-disk" label={t('img.minDisk')} error={e.minDiskGiB}><input type="number" min={1} value={f.values.minDiskGiB} onChange={(x) => f.set('minDiskGiB', x.target.value)} /></FormField>
        <FormField id="image-description" label={t('common.description')} error={e.description}><input value={f.values.description} onChange={(x) => f.set('description', x.target.value)} /></FormField>
      </div>
      <ImagePropertyFields values={f.values} set={(k, v) => f.set(k, v as never)} errors={e} />
      {isAdmin && <CheckField id="image-public" label={t('img.public')} checked={f.values.public} onChange={(v) => f.set('public', v)} error={e.public} />}
      <ErrorNote message={f.errors.form} />
      <div className="form-actions"><button type="submit" className="primary" disabled={f.busy}>{t('common.create')}</button></div>
    </form>
  );
}
