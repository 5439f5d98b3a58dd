import { Fragment, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n-context.tsx';

/** Header cells: a text is a plain column header, an element (a sort header) stands as it is. */
export type TableHeader = ReactNode | readonly ReactNode[];

export interface ItemTableProps<T> {
  items: readonly T[];
  /** data-testid of the table. */
  testId: string;
  header: TableHeader;
  /** How many columns (for the "nothing here" row); by default the number of header cells given as a list. */
  columns?: number;
  row: (item: T) => ReactNode;
  empty?: string;
}

/** A table of items with its header, or one "nothing here" row. */
export function ItemTable<T>({ items, testId, header, columns, row, empty }: ItemTableProps<T>) {
  const { t } = useI18n();
  const cells = Array.isArray(header)
    ? header.map((h: ReactNode, i) => (typeof h === 'string' ? <th key={i} scope="col">{h}</th> : <Fragment key={i}>{h}</Fragment>))
    : header;
  const span = columns ?? (Array.isArray(header) ? header.length : 1);
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>{cells}</tr>
        </thead>
        <tbody>
          {items.length === 0 && <tr><td colSpan={span} className="muted">{empty ?? t('common.empty')}</td></tr>}
          {items.map(row)}
        </tbody>
      </table>
    </div>
  );
}
