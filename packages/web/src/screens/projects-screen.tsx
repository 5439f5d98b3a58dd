import { useState } from 'react';
import type { Project } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { usePagedList } from '../api/use-paged-list.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { ProjectCreateForm } from '../components/project-create-form.tsx';
import { ProjectMemberForm } from '../components/project-member-form.tsx';

/** Projects the caller is a member of (admins: also those they administer): create, members add / remove. */
export function ProjectsScreen() {
  const { t } = useI18n();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const list = usePagedList<Project>('projects', {}, { kinds: [] });
  const removeMember = async (p: Project, accountId: string) => {
    setError(null);
    try {
      await client.request('DELETE', `/api/v1/projects/${encodeURIComponent(p.id)}/members/${encodeURIComponent(accountId)}`);
      list.reload();
    } catch (e) { setError((e as Error).message); }
  };
  return (
    <div>
      <ScreenHeader title={t('proj.title')}>
        <button type="button" className="primary" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>{creating ? t('common.cancel') : t('proj.create')}</button>
      </ScreenHeader>
      {creating && <ProjectCreateForm onDone={() => { setCreating(false); list.reload(); }} />}
      <PagedTable
        list={list} testId="projects-table" columns={4} error={error}
        header={<>
          <th scope="col">{t('common.name')}</th>
          <th scope="col">{t('acct.domain')}</th>
          <th scope="col">{t('common.state')}</th>
          <th scope="col">{t('proj.members')}</th>
        </>}
        row={(p) => (
          <tr key={p.id} data-testid="project-row">
            <td><strong>{p.name}</strong></td>
            <td className="mono">{p.domainPath}</td>
            <td>{p.state === 'disabled' ? t('dom.disabled') : t('dom.enabled')}</td>
            <td>
              <ul className="plain-list">
                {p.members.map((m) => (
                  <li key={m.accountId} data-testid="project-member">
                    {m.accountName} ({m.role}){' '}
                    <button type="button" className="danger" onClick={() => void removeMember(p, m.accountId)} aria-label={t('proj.removeMember', { name: m.accountName, project: p.name })}>×</button>
                  </li>
                ))}
              </ul>
              <ProjectMemberForm project={p} onDone={list.reload} onError={setError} />
            </td>
          </tr>
        )}
      />
    </div>
  );
}
