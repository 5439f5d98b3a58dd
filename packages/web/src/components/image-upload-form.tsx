import { useState, type FormEvent } from 'react';
import type { ImageVersion } from '@kumo/api';
import { hashFile, uploadImageVersion } from '../api/image-upload.ts';
import { formErrorsOf, noFormErrors, type FormErrors } from '../lib/field-errors.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ProgressBar } from './progress-bar.tsx';
import { ErrorNote } from './error-note.tsx';

type Stage = { step: 'idle' } | { step: 'hashing' | 'uploading'; fraction: number } | { step: 'done' };

/** Upload a file as a new version: checksum in the browser, then a PUT with an upload progress bar. */
export function ImageUploadForm({ imageId, onDone }: { imageId: string; onDone: () => void }) {
  const { t } = useI18n();
  const [version, setVersion] = useState('');
  const [format, setFormat] = useState<ImageVersion['format']>('qcow2');
  const [file, setFile] = useState<File | null>(null);
  const [stage, setStage] = useState<Stage>({ step: 'idle' });
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const busy = stage.step === 'hashing' || stage.step === 'uploading';
  const id = (s: string) => `${imageId}-upload-${s}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) { setErrors({ fields: { file: t('img.chooseFile') }, form: null }); return; }
    setErrors(noFormErrors);
    try {
      setStage({ step: 'hashing', fraction: 0 });
      const sha256 = await hashFile(file, (fraction) => setStage({ step: 'hashing', fraction }));
      setStage({ step: 'uploading', fraction: 0 });
      await uploadImageVersion(imageId, { version, format, sha256 }, file, (fraction) => setStage({ step: 'uploading', fraction }));
      setStage({ step: 'done' });
      setVersion('');
      onDone();
    } catch (err) {
      setStage({ step: 'idle' });
      setErrors(formErrorsOf(err, ['version', 'format', 'file']));
    }
  };

  return (
    <form className="form subform" onSubmit={submit} noValidate aria-label={t('img.uploadTitle')} data-testid="image-upload">
      <h3>{t('img.uploadTitle')}</h3>
      <div className="form-grid">
        <FormField id={id('version')} label={t('img.version')} error={errors.fields.version}><input value={version} onChange={(x) => setVersion(x.target.value)} /></FormField>
        <FormField id={id('format')} label={t('img.format')} error={errors.fields.format}>
          <select value={format} onChange={(x) => setFormat(x.target.value as ImageVersion['format'])}>
            {(['qcow2', 'raw', 'iso', 'kernel-initrd', 'rootfs-tar'] as const).map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </FormField>
        <FormField id={id('file')} label={t('img.file')} error={errors.fields.file}><input type="file" onChange={(x) => setFile(x.target.files?.[0] ?? null)} /></FormField>
      </div>
      {stage.step === 'hashing' && <ProgressBar value={stage.fraction} label={t('img.hashing')} />}
      {stage.step === 'uploading' && <ProgressBar value={stage.fraction} label={t('img.uploading')} />}
      {busy && <p className="muted small" role="status">{stage.step === 'hashing' ? t('img.hashing') : t('img.uploading')} {Math.round(stage.fraction * 100)}%</p>}
      {stage.step === 'done' && <p className="muted small" role="status">{t('img.uploadDone')}</p>}
      <ErrorNote message={errors.form} />
      <div className="form-actions"><button type="submit" disabled={busy}>{t('img.upload')}</button></div>
    </form>
  );
}
