/** A checkbox with its label on the right. */
export function CheckField({ id, label, checked, onChange, error }: { id: string; label: string; checked: boolean; onChange: (v: boolean) => void; error?: string | undefined }) {
  return (
    <div className={`field field-check${error ? ' field-invalid' : ''}`} data-field={id}>
      <input type="checkbox" id={id} checked={checked} onChange={(e) => onChange(e.target.checked)} aria-invalid={error ? true : undefined} />
      <label htmlFor={id}>{label}</label>
      {error && <p className="field-error" role="alert">{error}</p>}
    </div>
  );
}
