import { parseChange, type FeedMessage } from './change-feed.ts';

/**
 * One EventSource on /api/v1/stream for the whole app (it authenticates with the session cookie).
 * The browser reconnects by itself after a network error; if the server refused the stream
 * (closed), we retry after a pause. After any reconnect, listeners get a resync.
 */
const listeners = new Set<(m: FeedMessage) => void>();
let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | null = null;
let hadError = false;

function emit(m: FeedMessage): void { for (const fn of [...listeners]) fn(m); }

function open(): void {
  if (source || typeof EventSource === 'undefined') return;
  const es = new EventSource('/api/v1/stream');
  source = es;
  es.addEventListener('change', (ev) => {
    const c = parseChange((ev as MessageEvent<string>).data);
    if (c) emit(c);
  });
  es.addEventListener('open', () => {
    if (hadError) emit({ kind: 'resync' });
    hadError = false;
  });
  es.addEventListener('error', () => {
    hadError = true;
    if (es.readyState === EventSource.CLOSED) {
      es.close();
      source = null;
      if (listeners.size > 0 && !retryTimer) retryTimer = setTimeout(() => { retryTimer = null; if (listeners.size > 0) open(); }, 5000);
    }
  });
}

export function subscribeFeed(fn: (m: FeedMessage) => void): () => void {
  listeners.add(fn);
  open();
  return () => { listeners.delete(fn); };
}

/** Close the stream (logout). */
export function closeFeed(): void {
  source?.close();
  source = null;
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
}
