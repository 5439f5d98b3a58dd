import { cloneElement, type ReactElement } from 'react';

interface ControlProps { id?: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }

/** A labelled control with its hint and its error message (from the API) right under it. */
export function FormField({ id, label, error, hint, children }: { id: string; label: string; error?: string | undefined; hint?: string; children: ReactElement<ControlProps> }) {
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const control = cloneElement(children, {
    id,
    'aria-invalid': error ? true : undefined,
    ...(describedBy ? { 'aria-describedby': describedBy } : {}),
  } as ControlProps);
  return (
    <div className={`field${error ? ' field-invalid' : ''}`} data-field={id}>
      <label htmlFor={id}>{label}</label>
      {control}
      {hint && <p className="hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p className="field-error" id={`${id}-error`} role="alert">{error}</p>}
    </div>
  );
}
