import { client } from '../api/kumo-client.ts';
import { numberOrUndefined, useApiForm } from '../api/use-api-form.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';

/** Register a version of an image by its metadata (size and SHA-256 of the file). */
export function ImageVersionForm({ imageId, onDone }: { imageId: string; onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm(
    { version: '', format: 'qcow2', sizeBytes: '', sha256: '', cmdline: '' },
    ['version', 'format', 'sizeBytes', 'sha256', 'cmdline'],
    (v) => client.request('POST', `/api/v1/images/${encodeURIComponent(imageId)}/versions`, {
      body: { version: v.version, format: v.format, sizeBytes: numberOrUndefined(v.sizeBytes), sha256: v.sha256.trim(), ...(v.cmdline ? { cmdline: v.cmdline } : {}) },
    }),
    onDone,
  );
  const e = f.errors.fields;
  const id = (s: string) => `${imageId}-${s}`;
  return (
    <form className="form subform" onSubmit={f.submit} noValidate aria-label={t('img.addVersion')}>
      <h3>{t('img.addVersion')}</h3>
      <div className="form-grid">
        <FormField id={id('version')} label={t('img.version')} error={e.version}><input value={f.values.version} onChange={(x) => f.set('version', x.target.value)} /></FormField>
        <FormField id={id('format')} label={t('img.format')} error={e.format}>
          <select value={f.values.format} onChange={(x) => f.set('format', x.target.value)}>
            {['qcow2', 'raw', 'iso', 'kernel-initrd', 'rootfs-tar'].map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </FormField>
        <FormField id={id('size')} label={t('img.sizeBytes')} error={e.sizeBytes}><input type="number" min={0} value={f.values.sizeBytes} onChange={(x) => f.set('sizeBytes', x.target.value)} /></FormField>
        <FormField id={id('sha')} label={t('img.sha256')} error={e.sha256}><input value={f.values.sha256} onChange={(x) => f.set('sha256', x.target.value)} spellCheck={false} /></FormField>
        <FormField id={id('cmdline')} label={t('img.cmdline')} error={e.cmdline}><input value={f.values.cmdline} onChange={(x) => f.set('cmdline', x.target.value)} /></FormField>
      </div>
      <ErrorNote message={f.errors.form} />
      <div className="form-actions"><button type="submit" disabled={f.busy}>{t('img.addVersion')}</button></div>
    </form>
  );
}
