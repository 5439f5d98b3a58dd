import { useState, type FormEvent } from 'react';
import type { Operation, Snapshot } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { formErrorsOf, noFormErrors, type FormErrors } from '../lib/field-errors.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';
import { OperationProgress } from './operation-progress.tsx';

/** Capture an image from a ready snapshot: a new image, or a new version of one of that name. */
export function SnapshotCaptureForm({ snapshot, onClose }: { snapshot: Snapshot; onClose: () => void }) {
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
      const started = await client.request<Operation>('POST', `/api/v1/snapshots/${encodeURIComponent(snapshot.id)}/capture`, { body: { name } });
      setOpId(started.id);
    } catch (err) {
      setErrors(formErrorsOf(err, ['name']));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="snapshot-capture-title" data-testid="snapshot-capture-form">
      <h2 id="snapshot-capture-title">{t('snap.captureTitle', { name: snapshot.name })}</h2>
      <p className="muted small">{t('snap.captureHint')}</p>
      <FormField id="snapshot-capture-name" label={t('capture.name')} error={errors.fields.name}>
        <input value={name} onChange={(x) => setName(x.target.value)} />
      </FormField>
      <ErrorNote message={errors.form} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || opId !== null}>{t('capture.submit')}</button>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
      </div>
      {op.data && <OperationProgress op={op.data} />}
    </form>
  );
}
