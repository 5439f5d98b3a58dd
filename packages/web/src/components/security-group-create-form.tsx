import { client } from '../api/kumo-client.ts';
import { useApiForm } from '../api/use-api-form.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ApiFormFrame } from './api-form-frame.tsx';
import { BoundText } from './bound-fields.tsx';

/** A new security group; it allows nothing until rules are added. */
export function SecurityGroupCreateForm({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const f = useApiForm(
    { name: '', description: '' },
    ['name', 'description'],
    (v) => client.create('security-groups', { name: v.name, description: v.description || undefined }),
    onDone,
  );
  return (
    <ApiFormFrame id="security-group-create" title={t('sg.create')} submitLabel={t('common.create')} busy={f.busy} error={f.errors.form} onSubmit={f.submit}>
      <BoundText f={f} name="name" id="sg-name" label={t('common.name')} hint={t('sg.createHint')} />
      <BoundText f={f} name="description" id="sg-description" label={t('common.description')} />
    </ApiFormFrame>
  );
}
