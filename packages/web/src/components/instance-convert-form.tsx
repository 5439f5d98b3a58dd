import { useState, type FormEvent } from 'react';
import type { Instance, Operation } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { formErrorsOf, noFormErrors, type FormErrors } from '../lib/field-errors.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';
import { OperationProgress } from './operation-progress.tsx';

/** KVM → LXC: convert this stopped VM to a container (POST /instances/{id}/convert); shows the operation's progress. */
export function InstanceConvertForm({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const [busy, setBusy] = useState(false);
  const [opId, setOpId] = useState<string | null>(null);
  const op = useLiveResource(() => (opId ? client.get<Operation>('operations', opId) : Promise.resolve(null)), [opId], { kinds: ['operation'] });
  const stopped = instance.phase === 'stopped';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(noFormErrors);
    try {
      const started = await client.request<Operation>('POST', `/api/v1/instances/${encodeURIComponent(instance.id)}/convert`, { body: { to: 'container', ...(name ? { name } : {}) } });
      setOpId(started.id);
    } catch (err) {
      setErrors(formErrorsOf(err, ['name']));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="convert-title" data-testid="convert-form">
      <h2 id="convert-title">{t('convert.title')}</h2>
      <p className="muted small">{stopped ? t('convert.hint') : t('convert.stopFirst')}</p>
      <FormField id="convert-name" label={t('convert.name')} error={errors.fields.name}>
        <input value={name} onChange={(x) => setName(x.target.value)} />
      </FormField>
      <ErrorNote message={errors.form} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || !stopped || opId !== null}>{t('convert.submit')}</button>
      </div>
      {op.data && <OperationProgress op={op.data} />}
    </form>
  );
}
