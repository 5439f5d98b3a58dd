import type { FormEvent, ReactNode } from 'react';
import { ErrorNote } from './error-note.tsx';

/**
 * The frame of a create form: its title, the fields, the form-level error and the submit button.
 * `nested` forms sit inside a card (a section of a detail page) and have a smaller title.
 */
export function ApiFormFrame({ id, title, submitLabel, busy, error, onSubmit, nested, children }: {
  id: string; title: string; submitLabel: string; busy: boolean; error: string | null;
  onSubmit: (e: FormEvent) => void; nested?: boolean; children: ReactNode;
}) {
  const Heading = nested ? 'h3' : 'h2';
  return (
    <form className={nested ? 'form subform' : 'card form'} onSubmit={onSubmit} noValidate aria-labelledby={`${id}-title`} data-testid={id}>
      <Heading id={`${id}-title`}>{title}</Heading>
      <div className="form-grid">{children}</div>
      <ErrorNote message={error} />
      <div className="form-actions"><button type="submit" className="primary" disabled={busy}>{submitLabel}</button></div>
    </form>
  );
}
