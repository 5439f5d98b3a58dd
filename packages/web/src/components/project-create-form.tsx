import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';

/** Create a project in the caller's domain; the caller's account becomes its admin member. */
export function ProjectCreateForm({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm({ name: '' }, ['name'], (v) => client.create('projects', { name: v.name }), onDone);
  return (
    <form className="card form" onSubmit={f.submit} noValidate aria-labelledby="proj-create-title">
      <h2 id="proj-create-title">{t('proj.create')}</h2>
      <FormField id="proj-name" label={t('common.name')} error={f.errors.fields.name}><input value={f.values.name} onChange={(x) => f.set('name', x.target.value)} /></FormField>
      <ErrorNote message={f.errors.form} />
      <div className="form-actions"><button type="submit" className="primary" disabled={f.busy}>{t('common.create')}</button></div>
    </form>
  );
}
