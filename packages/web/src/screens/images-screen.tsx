import { Fragment, useState } from 'react';
import type { Image } from '@kumo/api';
import { usePagedList } from '../api/use-paged-list.ts';
import { formatDateTime } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { useSession } from '../session-context.ts';
import { ScreenHeader } from '../components/screen-header.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { SortHeader } from '../components/sort-header.tsx';
import { ImageCreateForm } from '../components/image-create-form.tsx';
import { ImageVersionsPanel } from '../components/image-versions-panel.tsx';

/** Images and their versions. */
export function ImagesScreen() {
  const { t, lang } = useI18n();
  const { isAdmin, user } = useSession();
  const [sort, setSort] = useState('name');
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const list = usePagedList<Image>('images', { sort }, { kinds: [] });
  return (
    <div>
      <ScreenHeader title={t('img.title')}>
        <button type="button" className="primary" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>{creating ? t('common.cancel') : t('img.create')}</button>
      </ScreenHeader>
      {creating && <ImageCreateForm onDone={() => { setCreating(false); list.reload(); }} />}
      <PagedTable
        list={list} testId="images-table" columns={8}
        header={<>
          <SortHeader field="name" label={t('common.name')} sort={sort} onSort={setSort} />
          <th scope="col">{t('img.kind')}</th>
          <th scope="col">{t('img.public')}</th>
          <th scope="col">{t('img.osType')}</th>
          <th scope="col">{t('img.minDisk')}</th>
          <th scope="col">{t('img.defaultVersion')}</th>
          <SortHeader field="createdAt" label={t('common.createdAt')} sort={sort} onSort={setSort} />
          <th scope="col">{t('img.versions')}</th>
        </>}
        row={(i) => (
          <Fragment key={i.id}>
            <tr data-testid="image-row" data-name={i.name}>
              <td><strong>{i.name}</strong>{i.description && <div className="muted small">{i.description}</div>}</td>
              <td>{i.kind}</td>
              <td>{i.public ? t('common.yes') : t('common.no')}</td>
              <td>{i.osType}</td>
              <td>{i.minDiskGiB} GiB</td>
              <td className="mono small">{i.defaultVersionId ?? '—'}</td>
              <td className="nowrap">{formatDateTime(i.createdAt, lang)}</td>
              <td>
                <button type="button" aria-expanded={open === i.id} aria-controls={`versions-${i.id}`} onClick={() => setOpen(open === i.id ? null : i.id)}>
                  {open === i.id ? t('img.hideVersions') : t('img.showVersions')}
                </button>
              </td>
            </tr>
            {open === i.id && (
              <tr id={`versions-${i.id}`}><td colSpan={8}><ImageVersionsPanel imageId={i.id} writable={isAdmin || i.accountId === user.accountId} /></td></tr>
        )}
                    </Fragment>
        )}
      />
    </div>
  );
}
