import type { ReactNode } from 'react';

/** The screen's title (focused after navigation) and its main actions. */
export function ScreenHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="screen-header">
      <h1 tabIndex={-1}>{title}</h1>
      {children && <div className="screen-actions">{children}</div>}
    </div>
  );
}
