import type { Domain } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';

/** Create an account in a domain, with its first user when a user name is given. */
export function AccountCreateForm({ domains, onDone }: { domains: Domain[]; onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm(
    { name: '', domainId: '', username: '', password: '' },
    ['name', 'domainId', 'username', 'password'],
    (v) => client.create('accounts', {
      name: v.name,
      ...(v.domainId ? { domainId: v.domainId } : {}),
      // Both or neither: a password without a user name gets the API's error naming the field.
      ...(v.username || v.password ? { username: v.username, password: v.password } : {}),
    }),
    onDone,
  );
  const e = f.errors.fields;
  return (
    <form className="card form" onSubmit={f.submit} noValidate aria-labelledby="acct-create-title">
      <h2 id="acct-create-title">{t('acct.create')}</h2>
      <FormField id="acct-name" label={t('common.name')} error={e.name}><input value={f.values.name} onChange={(x) => f.set('name', x.target.value)} /></FormField>
      <FormField id="acct-domain" label={t('acct.domain')} error={e.domainId}>
        <select value={f.values.domainId} onChange={(x) => f.set('domainId', x.target.value)}>
          <option value="">—</option>
          {domains.map((d) => <option key={d.id} value={d.id}>{d.path}</option>)}
        </select>
      </FormField>
      <FormField id="acct-username" label={t('acct.firstUser')} error={e.username}><input value={f.values.username} autoComplete="off" onChange={(x) => f.set('username', x.target.value)} /></FormField>
      <FormField id="acct-password" label={t('acct.password')} error={e.password}><input type="password" autoComplete="new-password" value={f.values.password} onChange={(x) => f.set('password', x.target.value)} /></FormField>
      <ErrorNote message={f.errors.form} />
      <div className="form-actions"><button type="submit" className="primary" disabled={f.busy}>{t('common.create')}</button></div>
    </form>
  );
}
