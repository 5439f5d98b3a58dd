import { useState, type FormEvent } from 'react';
import type { Operation } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { formErrorsOf, noFormErrors, type FormErrors } from '../lib/field-errors.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';
import { OperationProgress } from './operation-progress.tsx';

export interface CaptureImageFormProps {
  /** The API action that starts the capture, e.g. /api/v1/instances/ID/capture. */
  capturePath: string;
  /** Prefix of the form's element ids and its data-testid (`<prefix>-form`). */
  idPrefix: string;
  title: string;
  hint: string;
  /** False while the source cannot be captured (an instance that is not stopped). */
  enabled: boolean;
  /** A close button, for forms opened from a list. */
  onClose?: () => void;
}

/** Capture an image into a new image, or a new version of the image of that name; shows the operation's progress. */
export function CaptureImageForm({ capturePath, idPrefix, title, hint, enabled, onClose }: CaptureImageFormProps) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const [busy, setBusy] = useState(false);
  const [opId, setOpId] = useState<string | null>(null);
  const op = useLiveResource(() => (opId ? client.get<Operation>('operations', opId) : Promise.resolve(null)), [opId], { kinds: ['operation'] });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(noFormErrors);
    try {
      const started = await client.request<Operation>('POST', capturePath, { body: { name } });
      setOpId(started.id);
    } catch (err) {
      setErrors(formErrorsOf(err, ['name']));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${idPrefix}-title`} data-testid={`${idPrefix}-form`}>
      <h2 id={`${idPrefix}-title`}>{title}</h2>
      <p className="muted small">{hint}</p>
      <FormField id={`${idPrefix}-name`} label={t('capture.name')} error={errors.fields.name}>
        <input value={name} onChange={(x) => setName(x.target.value)} />
      </FormField>
      <ErrorNote message={errors.form} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || !enabled || (onClose !== undefined && opId !== null)}>{t('capture.submit')}</button>
        {onClose && <button type="button" onClick={onClose}>{t('common.cancel')}</button>}
      </div>
      {op.data && <OperationProgress op={op.data} />}
    </form>
  );
}
