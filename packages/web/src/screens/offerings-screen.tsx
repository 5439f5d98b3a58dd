import { useState } from 'react';
import type { Offering } from '@kumo/api';
import { usePagedList } from '../api/use-paged-list.ts';
import { formatGiB, formatMiB } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { useSession } from '../session-context.ts';
import { ScreenHeader } from '../components/screen-header.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { SortHeader } from '../components/sort-header.tsx';
import { OfferingCreateForm } from '../components/offering-create-form.tsx';
import { DiskOfferingsCard } from '../components/disk-offerings-card.tsx';

/** Compute offerings; admins create them. */
export function OfferingsScreen() {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const [sort, setSort] = useState('vcpus');
  const [creating, setCreating] = useState(false);
  const list = usePagedList<Offering>('offerings', { sort }, { kinds: [] });
  return (
    <div>
      <ScreenHeader title={t('off.title')}>
        {isAdmin && <button type="button" className="primary" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>{creating ? t('common.cancel') : t('off.create')}</button>}
      </ScreenHeader>
      {creating && <OfferingCreateForm onDone={() => { setCreating(false); list.reload(); }} />}
      <PagedTable
        list={list} testId="offerings-table" columns={8}
        header={<>
          <SortHeader field="name" label={t('common.name')} sort={sort} onSort={setSort} />
          <SortHeader field="vcpus" label={t('off.vcpus')} sort={sort} onSort={setSort} />
          <SortHeader field="memoryMiB" label={t('off.memory')} sort={sort} onSort={setSort} />
          <th scope="col">{t('off.rootDisk')}</th>
          <th scope="col">{t('off.qos')}</th>
          <th scope="col">{t('off.ha')}</th>
          <th scope="col">{t('off.provisioning')}</th>
          <th scope="col">{t('off.stopTimeout')}</th>
        </>}
        row={(o) => (
          <tr key={o.id} data-testid="offering-row">
            <td><strong>{o.name}</strong>{o.description && <div className="muted small">{o.description}</div>}</td>
            <td>{o.vcpus}</td>
            <td>{formatMiB(o.memoryMiB)}</td>
            <td>{formatGiB(o.rootDiskGiB)}</td>
            <td>{o.qosClass}</td>
            <td>{o.ha ? t('common.yes') : t('common.no')}</td>
            <td>{o.diskProvisioning}</td>
            <td>{o.stopTimeoutSec} s</td>
          </tr>
        )}
      />
      <DiskOfferingsCard />
    </div>
  );
}
