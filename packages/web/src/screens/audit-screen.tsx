import { useEffect, useState } from 'react';
import type { AuditEntry } from '@kumo/api';
import { usePagedList } from '../api/use-paged-list.ts';
import { formatDateTime } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { PagedTable } from '../components/paged-table.tsx';

/** The audit log, newest first; reloads when the audit stream announces a new entry. */
export function AuditScreen() {
  const { t, lang } = useI18n();
  const [action, setAction] = useState('');
  const list = usePagedList<AuditEntry>('audit', action ? { action } : {}, { kinds: [], limit: 25 });
  const { reload } = list;
  useEffect(() => {
    if (typeof EventSource === 'undefined') return undefined;
    const es = new EventSource('/api/v1/audit/stream');
    es.addEventListener('audit', () => reload());
    return () => es.close();
  }, [reload]);
  return (
    <div>
      <ScreenHeader title={t('audit.title')}>
        <label>{t('audit.filterAction')} <input value={action} onChange={(e) => setAction(e.target.value.trim())} data-testid="audit-action-filter" /></label>
      </ScreenHeader>
      <p className="muted">{t('audit.live')}</p>
      <PagedTable
        list={list} testId="audit-table" columns={6} error={null}
        header={<>
          <th scope="col">{t('audit.time')}</th><th scope="col">{t('audit.user')}</th><th scope="col">{t('audit.from')}</th>
          <th scope="col">{t('audit.action')}</th><th scope="col">{t('audit.resource')}</th><th scope="col">{t('audit.status')}</th>
        </>}
        row={(e) => (
          <tr key={e.id} data-testid="audit-row">
            <td className="nowrap">{formatDateTime(e.createdAt, lang)}</td><td>{e.username || '-'}</td><td className="mono">{e.sourceAddress}</td>
            <td className="mono">{e.action}</td><td className="mono">{e.resourceId ?? '-'}</td>
            <td>{e.status}{e.errorCode ? ` ${e.errorCode}` : ''}</td>
          </tr>
        )}
      />
    </div>
  );
}
