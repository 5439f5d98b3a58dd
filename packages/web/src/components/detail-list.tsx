import type { ReactNode } from 'react';

/** Label, value and an optional data-key (for tests and styling) of one line of a detail list. */
export type DetailRow = [label: string, value: ReactNode, key?: string];

/** The facts of one resource as a description list. */
export function DetailList({ rows, testId }: { rows: readonly DetailRow[]; testId: string }) {
  return (
    <dl className="details" data-testid={testId}>
      {rows.map(([k, v, key]) => (
        <div key={k} data-key={key}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
