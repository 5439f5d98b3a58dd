/** A failed API call as a form shows it: a message per field, and one for the whole form. */
export interface FormErrors {
  fields: Record<string, string>;
  form: string | null;
}

export const noFormErrors: FormErrors = { fields: {}, form: null };

interface ErrorLike { message: string; code?: unknown; details?: unknown }

function plainMessage(err: unknown): string {
  const e = err as ErrorLike | null;
  return e && typeof e.message === 'string' ? e.message : String(err);
}

/**
 * The API names the offending field in `error.details.field` (a dotted path for nested
 * fields, `nics[1].ip` for items of a list). Known fields, by their first segment, get the
 * message next to them; everything else goes to the form.
 */
export function formErrorsOf(err: unknown, knownFields: readonly string[], describe: (err: unknown) => string = plainMessage): FormErrors {
  const e = err as ErrorLike | null;
  const message = describe(err);
  const details = e?.details as { field?: unknown } | undefined;
  const field = typeof details?.field === 'string' ? details.field.split(/[.[]/)[0] ?? '' : '';
  if (field && knownFields.includes(field)) return { fields: { [field]: message }, form: null };
  return { fields: {}, form: message };
}
