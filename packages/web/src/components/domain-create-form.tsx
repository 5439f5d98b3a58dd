import type { Domain } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';

/** Create a domain under a parent the caller may see (default: the caller's own domain). */
export function DomainCreateForm({ domains, onDone }: { domains: Domain[]; onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm(
    { name: '', parentId: '' },
    ['name', 'parentId'],
    (v) => client.create('domains', v.parentId ? { name: v.name, parentId: v.parentId } : { name: v.name }),
    onDone,
  );
  const e = f.errors.fields;
  return (
    <form className="card form" onSubmit={f.submit} noValidate aria-labelledby="dom-create-title">
      <h2 id="dom-create-title">{t('dom.create')}</h2>
      <FormField id="dom-name" label={t('common.name')} error={e.name}><input value={f.values.name} onChange={(x) => f.set('name', x.target.value)} /></FormField>
      <FormField id="dom-parent" label={t('dom.parent')} error={e.parentId}>
        <select value={f.values.parentId} onChange={(x) => f.set('parentId', x.target.value)}>
          <option value="">—</option>
          {domains.map((d) => <option key={d.id} value={d.id}>{d.path}</option>)}
        </select>
      </FormField>
      <ErrorNote message={f.errors.form} />
      <div className="form-actions"><button type="submit" className="primary" disabled={f.busy}>{t('common.create')}</button></div>
    </form>
  );
}
