import type { ReactNode } from 'react';
import type { usePagedList } from '../api/use-paged-list.ts';
import { ErrorNote } from './error-note.tsx';
import { ItemTable, type TableHeader } from './item-table.tsx';
import { LoadingNote } from './loading-note.tsx';
import { PagerButtons } from './pager-buttons.tsx';

export interface PagedTableProps<T> {
  list: ReturnType<typeof usePagedList<T>>;
  /** data-testid of the table. */
  testId: string;
  header: TableHeader;
  /** How many columns (for the "nothing here" row); by default the number of header cells given as a list. */
  columns?: number;
  row: (item: T) => ReactNode;
  /** An error of the screen's own (a failed action) shown before the list's. */
  error?: string | null | undefined;
}

/** A list screen's table: error note, loading note, the rows or an empty row, and Prev/Next. */
export function PagedTable<T>({ list, testId, header, columns, row, error }: PagedTableProps<T>) {
  return (
    <>
      <ErrorNote message={error ?? list.error} />
      {!list.data ? <LoadingNote /> : (
        <>
          <ItemTable items={list.items} testId={testId} header={header} {...(columns ? { columns } : {})} row={row} />
          <PagerButtons page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} onPrev={list.prev} onNext={list.next} />
        </>
      )}
    </>
  );
}
