import { useState } from 'react';
import type { Operation } from '@kumo/api';
import { usePagedList } from '../api/use-paged-list.ts';
import { formatDateTime } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { opStatusLabel, opStatuses } from '../i18n/labels.ts';
import { ScreenHeader } from '../components/screen-header.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { OperationProgress } from '../components/operation-progress.tsx';
import { LinkTo } from '../components/link-to.tsx';

/** Operations, newest first, with live progress. */
export function OperationsScreen() {
  const { t, lang } = useI18n();
  const [status, setStatus] = useState('');
  const list = usePagedList<Operation>('operations', { sort: '-createdAt', status: status || undefined }, { kinds: ['operation'] });
  return (
    <div>
      <ScreenHeader title={t('ops.title')} />
      <div className="toolbar">
        <div className="field inline">
          <label htmlFor="ops-status">{t('common.status')}</label>
          <select id="ops-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t('common.all')}</option>
            {opStatuses.map((s) => <option key={s} value={s}>{opStatusLabel(t, s)}</option>)}
          </select>
        </div>
      </div>
      <PagedTable
        list={list} testId="operations-table" columns={7}
        header={<>
          <th scope="col">{t('common.kind')}</th>
          <th scope="col">{t('common.resource')}</th>
          <th scope="col">{t('common.status')}</th>
          <th scope="col" className="meter-col">{t('common.progress')}</th>
          <th scope="col">{t('common.message')}</th>
          <th scope="col">{t('common.createdAt')}</th>
          <th scope="col">{t('ops.finished')}</th>
        </>}
        row={(op) => (
          <tr key={op.id} data-testid="operation-row" data-kind={op.kind} data-status={op.status}>
            <td className="nowrap">{op.kind}</td>
            <td className="mono">{op.resourceType === 'instance' ? <LinkTo to={`/instances/${op.resourceId}`}>{op.resourceId}</LinkTo> : op.resourceId}</td>
            <td><StatusBadge value={op.status} label={opStatusLabel(t, op.status)} /></td>
            <td className="meter-col"><OperationProgress op={op} showMessage={false} /></td>
            <td>{op.error ? <span className="text-danger">{op.error.code}: {op.error.message}</span> : op.message}</td>
            <td className="nowrap">{formatDateTime(op.createdAt, lang)}</td>
            <td className="nowrap">{formatDateTime(op.finishedAt, lang)}</td>
          </tr>
        )}
      />
    </div>
  );
}
