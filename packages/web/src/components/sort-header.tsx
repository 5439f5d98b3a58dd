/** A column header that sorts by its field; a second click reverses. */
export function SortHeader({ field, label, sort, onSort }: { field: string; label: string; sort: string; onSort: (s: string) => void }) {
  const active = sort === field || sort === `-${field}`;
  const desc = sort === `-${field}`;
  return (
    <th scope="col" aria-sort={active ? (desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(active && !desc ? `-${field}` : field)}>
        {label}<span aria-hidden="true" className="sort-mark">{active ? (desc ? ' ▼' : ' ▲') : ' ↕'}</span>
      </button>
    </th>
  );
}
