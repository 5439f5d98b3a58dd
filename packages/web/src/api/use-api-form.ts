import { useState, type FormEvent } from 'react';
import { formErrorsOf, noFormErrors, type FormErrors } from '../lib/field-errors.ts';
import { useErrorText } from '../i18n/use-error-text.ts';

/** What a form holds per field: typed text, a checkbox, or the ids ticked in a checkbox list. */
export type FormValues = Record<string, string | boolean | readonly string[]>;

/**
 * State of a create form: values, the API's error per field, busy. `send` turns the values into
 * the API call; on success the form resets and `onDone` runs.
 */
export function useApiForm<V extends FormValues>(initial: V, fields: readonly string[], send: (v: V) => Promise<unknown>, onDone: () => void) {
  const [values, setValues] = useState<V>(initial);
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const [busy, setBusy] = useState(false);
  const errorText = useErrorText();
  const set = <K extends keyof V>(k: K, v: V[K]) => setValues((s) => ({ ...s, [k]: v }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(noFormErrors);
    try {
      await send(values);
      setValues(initial);
      onDone();
    } catch (err) {
      setErrors(formErrorsOf(err, fields, errorText));
    } finally {
      setBusy(false);
    }
  };
  return { values, set, errors, busy, submit };
}

export type ApiForm<V extends FormValues> = ReturnType<typeof useApiForm<V>>;

export { numberOrUndefined } from '../lib/form-values.ts';
