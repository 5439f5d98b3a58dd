import { useEffect } from 'react';
import type { ApiForm, FormValues } from '../api/use-api-form.ts';
import type { Choice } from '../lib/form-values.ts';
import { FormField } from './form-field.tsx';

type TextKey<V> = { [K in keyof V]: V[K] extends string ? K : never }[keyof V] & string;


interface BoundProps<V extends FormValues> {
  f: ApiForm<V>;
  /** The form value, named like the API field whose errors it shows. */
  name: TextKey<V>;
  id: string;
  label: string;
  hint?: string;
}

/** A text input of a create form, with the API's error for its field. */
export function BoundText<V extends FormValues>({ f, name, id, label, hint, inputMode }: BoundProps<V> & { inputMode?: 'numeric' }) {
  return (
    <FormField id={id} label={label} error={f.errors.fields[name]} {...(hint ? { hint } : {})}>
      <input value={f.values[name] as string} onChange={(e) => f.set(name, e.target.value as V[TextKey<V>])} autoComplete="off" inputMode={inputMode} />
    </FormField>
  );
}

/** A select of a create form; while its value is not among the choices, the first choice is taken. */
export function BoundSelect<V extends FormValues>({ f, name, id, label, hint, choices }: BoundProps<V> & { choices: readonly Choice[] }) {
  const value = f.values[name] as string;
  const first = choices[0]?.value;
  const known = choices.some((c) => c.value === value);
  useEffect(() => { if (!known && first !== undefined) f.set(name, first as V[TextKey<V>]); }, [known, first, name, f]);
  return (
    <FormField id={id} label={label} error={f.errors.fields[name]} {...(hint ? { hint } : {})}>
      <select value={value} onChange={(e) => f.set(name, e.target.value as V[TextKey<V>])}>
        {choices.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
      </select>
    </FormField>
  );
}

