import { useState, type FormEvent } from 'react';
import type { Project } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

export const projectRoles = ['member', 'admin', 'read-only'] as const;

/** Add a member account to a project (or change its role); errors go to the screen's error note. */
export function ProjectMemberForm({ project, onDone, onError }: { project: Project; onDone: () => void; onError: (message: string | null) => void }) {
  const { t } = useI18n();
  const [accountId, setAccountId] = useState('');
  const [role, setRole] = useState<(typeof projectRoles)[number]>('member');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    onError(null);
    setBusy(true);
    try {
      await client.request('POST', `/api/v1/projects/${encodeURIComponent(project.id)}/members`, { body: { accountId: accountId.trim(), role } });
      setAccountId('');
      onDone();
    } catch (err) { onError((err as Error).message); } finally { setBusy(false); }
  };
  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} data-testid="project-member-form">
      <input aria-label={t('proj.memberAccount')} placeholder={t('proj.memberAccount')} value={accountId} onChange={(x) => setAccountId(x.target.value)} />
      <select aria-label={t('proj.memberRole')} value={role} onChange={(x) => setRole(x.target.value as (typeof projectRoles)[number])}>
        {projectRoles.map((r) => <option key={r} value={r}>{t(`proj.role.${r}`)}</option>)}
      </select>
      <button type="submit" disabled={busy || !accountId.trim()}>{t('proj.addMember')}</button>
    </form>
  );
}
