export interface BarItem { key: string; label: string; value: number; color: string }

/** Counts as labelled horizontal CSS bars, scaled to the largest. */
export function BarList({ items, title }: { items: readonly BarItem[]; title: string }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return (
    <ul className="bar-list" aria-label={title}>
      {items.map((i) => (
        <li key={i.key}>
          <span className="bar-list-label">{i.label}</span>
          <span className="bar-list-track" aria-hidden="true">{i.value > 0 && <span style={{ width: `${(i.value / max) * 100}%`, background: i.color }} />}</span>
          <span className="bar-list-value">{i.value}</span>
        </li>
      ))}
    </ul>
  );
}
