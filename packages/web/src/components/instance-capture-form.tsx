import { useState, type FormEvent } from 'react';
import type { Instance, Operation } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { formErrorsOf, noFormErrors, type FormErrors } from '../lib/field-errors.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';
import { OperationProgress } from './operation-progress.tsx';

/** Capture an image from this (stopped) instance's root volume: a new image, or a new version of one of that name. */
export function InstanceCaptureForm({ instance }: { instance: Instance }) {
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
      const started = await client.request<Operation>('POST', `/api/v1/instances/${encodeURIComponent(instance.id)}/capture`, { body: { name } });
      setOpId(started.id);
    } catch (err) {
      setErrors(formErrorsOf(err, ['name']));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="capture-title" data-testid="capture-form">
      <h2 id="capture-title">{t('capture.title')}</h2>
      <p className="muted small">{instance.phase === 'stopped' ? t('capture.hint') : t('capture.stopFirst')}</p>
      <FormField id="capture-name" label={t('capture.name')} error={errors.fields.name}>
        <input value={name} onChange={(x) => setName(x.target.value)} />
      </FormField>
      <ErrorNote message={errors.form} />
      <div className="form-actions"><button type="submit" className="primary" disabled={busy || instance.phase !== 'stopped'}>{t('capture.submit')}</button></div>
      {op.data && <OperationProgress op={op.data} />}
    </form>
  );
}
