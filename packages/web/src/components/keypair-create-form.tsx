import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';

/** Add an SSH public key. */
export function KeypairCreateForm({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm(
    { name: '', publicKey: '' },
    ['name', 'publicKey'],
    (v) => client.create('keypairs', { name: v.name, publicKey: v.publicKey.trim() }),
    onDone,
  );
  const e = f.errors.fields;
  return (
    <form className="card form" onSubmit={f.submit} noValidate aria-labelledby="kp-create-title">
      <h2 id="kp-create-title">{t('kp.create')}</h2>
      <FormField id="kp-name" label={t('common.name')} error={e.name}><input value={f.values.name} onChange={(x) => f.set('name', x.target.value)} /></FormField>
      <FormField id="kp-key" label={t('kp.publicKey')} error={e.publicKey} hint={t('kp.publicKeyHint')}>
        <textarea rows={3} value={f.values.publicKey} onChange={(x) => f.set('publicKey', x.target.value)} spellCheck={false} />
      </FormField>
      <ErrorNote message={f.errors.form} />
      <div className="form-actions"><button type="submit" className="primary" disabled={f.busy}>{t('common.create')}</button></div>
    </form>
  );
}
