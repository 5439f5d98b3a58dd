import { toggleId, type Choice } from '../lib/form-values.ts';

/** Checkboxes under a legend; the value lists the ticked choices in the order they were ticked. */
export function CheckList({ id, legend, choices, value, onChange, hint, empty, error }: {
  id: string; legend: string; choices: readonly Choice[]; value: readonly string[]; onChange: (v: string[]) => void;
  hint?: string; empty?: string; error?: string | undefined;
}) {
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <fieldset className={`check-list${error ? ' field-invalid' : ''}`} data-field={id} aria-describedby={describedBy || undefined} aria-invalid={error ? true : undefined}>
      <legend>{legend}</legend>
      {choices.length === 0 && empty && <p className="muted">{empty}</p>}
      {choices.map((c) => (
        <label key={c.value} className="check-item">
          <input type="checkbox" checked={value.includes(c.value)} onChange={(e) => onChange(toggleId(value, c.value, e.target.checked))} />
          {c.label}
        </label>
      ))}
      {hint && <p className="hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p className="field-error" id={`${id}-error`} role="alert">{error}</p>}
    </fieldset>
  );
}
