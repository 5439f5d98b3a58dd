import type { MouseEvent, ReactNode } from 'react';
import { navigate } from '../navigation.ts';

/** An ordinary link (keyboard, middle-click, copy) that routes inside the app on a plain click. */
export function LinkTo({ to, children, className, current }: { to: string; children: ReactNode; className?: string; current?: boolean }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={onClick} className={className} aria-current={current ? 'page' : undefined}>{children}</a>;
}
