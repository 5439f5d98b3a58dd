import { useSyncExternalStore } from 'react';

/** Client-side routing over the History API (the server answers index.html for any page path). */
const listeners = new Set<() => void>();

function notify(): void { for (const fn of listeners) fn(); }

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  if (path === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
  notify();
}

function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  return () => { listeners.delete(fn); };
}

export function useLocationPath(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}
