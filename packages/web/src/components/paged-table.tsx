import type { ReactNode } from 'react';
import type { usePagedList } from '../api/use-paged-list.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ErrorNote } from './error-note.tsx';
import { LoadingNote } from './loading-note.tsx';
import { PagerButtons } from './pager-buttons.tsx';

export interface PagedTableProps<T> {
  list: ReturnType<typeof usePagedList<T>>;
  /** data-testid of the table. */
  testId: string;
  /** The header cells. */
  header: ReactNode;
  /** How many columns (for the "nothing here" row). */
  columns: number;
  row: (item: T) => ReactNode;
  /** An error of the screen's own (a failed action) shown before the list's. */
  error?: string | null | undefined;
}

/** A list screen's table: error note, loading note, the rows or an empty row, and Prev/Next. */
export function PagedTable<T>({ list, testId, header, columns, row, error }: PagedTableProps<T>) {
  const { t } = useI18n();
  return (
    <>
      <ErrorNote message={error ?? list.error?.message} />
      {!list.data ? <LoadingNote /> : (
        <>
          <div className="table-wrap">
            <table className="table" data-testid={testId}>
              <thead>
                <tr>{header}</tr>
              </thead>
              <tbody>
                {list.items.length === 0 && <tr><td colSpan={columns} className="muted">{t('common.empty')}</td></tr>}
                {list.items.map(row)}
              </tbody>
            </table>
          </div>
          <PagerButtons page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} onPrev={list.prev} onNext={list.next} />
        </>
      )}
    </>
  );
}
