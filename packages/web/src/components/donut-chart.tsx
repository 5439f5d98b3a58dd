export interface Slice { key: string; label: string; value: number; color: string }

/** A plain SVG donut with a legend; the legend carries the numbers for screen readers too. */
export function DonutChart({ slices, title, centerLabel }: { slices: readonly Slice[]; title: string; centerLabel: string }) {
  const total = slices.reduce((a, s) => a + s.value, 0);
  const r = 15.915; // circumference 100
  let offset = 25;
  return (
    <figure className="donut">
      <svg viewBox="0 0 42 42" role="img" aria-label={`${title}: ${slices.map((s) => `${s.label} ${s.value}`).join(', ')}`}>
        <circle cx="21" cy="21" r={r} fill="none" stroke="var(--track)" strokeWidth="6" />
        {total > 0 && slices.filter((s) => s.value > 0).map((s) => {
          const len = (s.value / total) * 100;
          const el = <circle key={s.key} cx="21" cy="21" r={r} fill="none" stroke={s.color} strokeWidth="6" strokeDasharray={`${len} ${100 - len}`} strokeDashoffset={offset} />;
          offset -= len;
          return el;
        })}
        <text x="21" y="21" textAnchor="middle" dominantBaseline="central" className="donut-total">{total}</text>
        <text x="21" y="28" textAnchor="middle" className="donut-caption">{centerLabel}</text>
      </svg>
      <figcaption>
        <ul className="legend">
          {slices.map((s) => (
            <li key={s.key}><span className="swatch" style={{ background: s.color }} aria-hidden="true" />{s.label}<span className="legend-value">{s.value}</span></li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
