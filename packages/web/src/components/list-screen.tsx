import { useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from './screen-header.tsx';
import { PagedTable, type PagedTableProps } from './paged-table.tsx';

export interface ListScreenProps<T> extends PagedTableProps<T> {
  title: string;
  /** The button that opens the create form, and the form (`done` closes it and reloads). */
  createLabel: string;
  form: (done: () => void) => ReactNode;
  /** What to reload after a create (default: the list). */
  onCreated?: () => void;
}

/** A list screen: its title, the button that opens the create form, the form, and the paged table. */
export function ListScreen<T>({ title, createLabel, form, onCreated, ...table }: ListScreenProps<T>) {
  const { t } = useI18n();
  const [creating, setCreating] = useState(false);
  return (
    <div>
      <ScreenHeader title={title}>
        <button type="button" className="primary" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>{creating ? t('common.cancel') : createLabel}</button>
      </ScreenHeader>
      {creating && form(() => { setCreating(false); (onCreated ?? table.list.reload)(); })}
      <PagedTable {...table} />
    </div>
  );
}
