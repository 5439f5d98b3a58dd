import { useState, type ReactNode } from 'react';
import { client } from '../api/kumo-client.ts';
import { useAction, type ActionRunner } from '../api/use-action.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ErrorNote } from './error-note.tsx';
import { ItemTable } from './item-table.tsx';
import { DeleteButton } from './delete-button.tsx';

/** How a row is deleted: `DELETE /api/v1/{resource}/{id}`, after asking. */
export interface RowDeletion<T> {
  resource: string;
  /** What the button and the question call the item. */
  nameOf: (item: T) => string;
  /** The button's text (default "Delete") and question (default "Delete {name}?"). */
  text?: string;
  question?: (name: string) => string;
  disabled?: (item: T) => boolean;
}

export interface ResourceSectionProps<T extends { id: string }> {
  /** Heading id and data-testid of the section; the table is `${id}-table`. */
  id: string;
  title: string;
  items: readonly T[];
  /** The headers of the data columns (an Actions column follows when rows can be deleted). */
  header: readonly string[];
  /** data-testid of every row, and more data-* attributes of a row. */
  rowTestId: string;
  rowData?: (item: T) => Record<`data-${string}`, string>;
  /** The data cells of a row; `action.run(call)` runs API calls of buttons in it (errors shown above the table). */
  cells: (item: T, action: ActionRunner) => ReactNode;
  deletion?: RowDeletion<T>;
  /** Reload after a create or an action. */
  onChanged: () => void;
  /** The button that opens the create form, and the form (`done` closes it and reloads). */
  addLabel?: string;
  form?: (done: () => void) => ReactNode;
  /** A card of its own (a detail page), or plain (inside a table row). */
  plain?: boolean;
  children?: ReactNode;
}

/** A titled table of a detail page with its create form and row actions. */
export function ResourceSection<T extends { id: string }>(p: ResourceSectionProps<T>) {
  const { t } = useI18n();
  const [adding, setAdding] = useState(false);
  const action = useAction(p.onChanged);
  const del = p.deletion;
  const remove = (d: RowDeletion<T>, item: T) => {
    const name = d.nameOf(item);
    void action.run(() => client.delete(d.resource, item.id), d.question ? d.question(name) : t('common.confirmDelete', { name }));
  };
  return (
    <section className={p.plain ? 'versions' : 'card'} aria-labelledby={`${p.id}-title`} data-testid={p.id}>
      <div className="section-head">
        <h2 id={`${p.id}-title`}>{p.title}</h2>
        {p.form && p.addLabel && (
          <button type="button" aria-expanded={adding} onClick={() => setAdding((a) => !a)}>{adding ? t('common.cancel') : p.addLabel}</button>
        )}
      </div>
      {p.children}
      {adding && p.form?.(() => { setAdding(false); p.onChanged(); })}
      <ErrorNote message={action.error} />
      <ItemTable
        items={p.items} testId={`${p.id}-table`}
        header={del ? [...p.header, t('common.actions')] : p.header}
        row={(item) => (
          <tr key={item.id} data-testid={p.rowTestId} {...p.rowData?.(item)}>
            {p.cells(item, action)}
            {del && (
              <td><DeleteButton name={del.nameOf(item)} text={del.text} disabled={action.busy || del.disabled?.(item)} onClick={() => remove(del, item)} /></td>
            )}
          </tr>
        )}
      />
    </section>
  );
}
