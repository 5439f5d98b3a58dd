import { KumoClient } from '@kumo/api';
import { createBrowserFetch } from './browser-fetch.ts';

const sessionLostListeners = new Set<() => void>();

/** Called when any request answers 401: the app shows the login screen. */
export function onSessionLost(fn: () => void): () => void {
  sessionLostListeners.add(fn);
  return () => { sessionLostListeners.delete(fn); };
}

/** The one API client of the console: same origin, cookie session, CSRF header. */
export const client = new KumoClient({
  baseUrl: globalThis.location?.origin ?? 'http://127.0.0.1',
  fetch: createBrowserFetch((input, init) => globalThis.fetch(input, init), () => { for (const fn of sessionLostListeners) fn(); }),
});
