import { client } from '../api/kumo-client.ts';
import { numberOrUndefined, useApiForm } from '../api/use-api-form.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { CheckField } from './check-field.tsx';
import { ErrorNote } from './error-note.tsx';

/** A new compute offering (admin). */
export function OfferingCreateForm({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm(
    { name: '', description: '', vcpus: '1', memoryMiB: '1024', rootDiskGiB: '10', qosClass: 'guaranteed', diskProvisioning: 'linked', stopTimeoutSec: '60', ha: false as boolean },
    ['name', 'description', 'vcpus', 'memoryMiB', 'rootDiskGiB', 'qosClass', 'diskProvisioning', 'stopTimeoutSec', 'ha'],
    (v) => client.create('offerings', {
      name: v.name, vcpus: numberOrUndefined(v.vcpus), memoryMiB: numberOrUndefined(v.memoryMiB), rootDiskGiB: numberOrUndefined(v.rootDiskGiB),
      qosClass: v.qosClass, diskProvisioning: v.diskProvisioning, stopTimeoutSec: numberOrUndefined(v.stopTimeoutSec), ha: v.ha,
      ...(v.description ? { description: v.description } : {}),
    }),
    onDone,
  );
  const e = f.errors.fields;
  return (
    <form className="card form" onSubmit={f.submit} noValidate aria-labelledby="offering-create-title">
      <h2 id="offering-create-title">{t('off.create')}</h2>
      <div className="form-grid">
        <FormField id="off-name" label={t('common.name')} error={e.name}><input value={f.values.name} onChange={(x) => f.set('name', x.target.value)} /></FormField>
        <FormField id="off-vcpus" label={t('off.vcpus')} error={e.vcpus}><input type="number" min={1} value={f.values.vcpus} onChange={(x) => f.set('vcpus', x.target.value)} /></FormField>
        <FormField id="off-memory" label={t('off.memoryMiB')} error={e.memoryMiB}><input type="number" min={32} value={f.values.memoryMiB} onChange={(x) => f.set('memoryMiB', x.target.value)} /></FormField>
        <FormField id="off-disk" label={t('off.rootDiskGiB')} error={e.rootDiskGiB}><input type="number" min={1} value={f.values.rootDiskGiB} onChange={(x) => f.set('rootDiskGiB', x.target.value)} /></FormField>
        <FormField id="off-qos" label={t('off.qos')} error={e.qosClass}>
          <select value={f.values.qosClass} onChange={(x) => f.set('qosClass', x.target.value)}><option value="guaranteed">guaranteed</option><option value="best-effort">best-effort</option></select>
        </FormField>
        <FormField id="off-prov" label={t('off.provisioning')} error={e.diskProvisioning}>
          <select value={f.values.diskProvisioning} onChange={(x) => f.set('diskProvisioning', x.target.value)}><option value="linked">linked</option><option value="full">full</option></select>
        </FormField>
        <FormField id="off-stop" label={t('off.stopTimeout')} error={e.stopTimeoutSec}><input type="number" min={1} value={f.values.stopTimeoutSec} onChange={(x) => f.set('stopTimeoutSec', x.target.value)} /></FormField>
        <FormField id="off-description" label={t('common.description')} error={e.description}><input value={f.values.description} onChange={(x) => f.set('description', x.target.value)} /></FormField>
      </div>
      <CheckField id="off-ha" label={t('off.ha')} checked={f.values.ha} onChange={(v) => f.set('ha', v)} error={e.ha} />
      <ErrorNote message={f.errors.form} />
      <div className="form-actions"><button type="submit" className="primary" disabled={f.busy}>{t('common.create')}</button></div>
    </form>
  );
}
