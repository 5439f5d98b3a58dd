import { useCallback, useEffect, useRef, useState } from 'react';
import { createDebouncer } from '../lib/debounce.ts';
import { changeMatches, type ChangeKind } from './change-feed.ts';
import { subscribeFeed } from './live-stream.ts';

export interface LiveResource<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

export interface LiveOptions {
  /** Re-fetch when the stream announces a change of these kinds. */
  kinds: readonly ChangeKind[];
  /** For instance changes: only this instance. */
  id?: string | undefined;
  /** Also re-fetch on a timer (for data the stream does not announce, like heartbeats). */
  pollMs?: number;
  debounceMs?: number;
}

/**
 * Load data, and load it again (debounced) when the live stream says something it shows has
 * changed. `deps` restart the load (filters, ids, cursors). Answers to older loads are dropped.
 */
export function useLiveResource<T>(load: () => Promise<T>, deps: readonly unknown[], opts: LiveOptions): LiveResource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const seq = useRef(0);

  const run = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    loadRef.current().then(
      (v) => { if (mine === seq.current) { setData(v); setError(undefined); setLoading(false); } },
      (e: unknown) => { if (mine === seq.current) { setError(e instanceof Error ? e : new Error(String(e))); setLoading(false); } },
    );
  }, []);

  const kindsKey = opts.kinds.join(',');
  useEffect(() => {
    run();
    const debouncer = createDebouncer(run, opts.debounceMs ?? 250, 1500);
    const want = { kinds: kindsKey.split(',').filter(Boolean) as ChangeKind[], id: opts.id };
    const unsubscribe = subscribeFeed((m) => { if (changeMatches(m, want)) debouncer.trigger(); });
    const poll = opts.pollMs ? setInterval(run, opts.pollMs) : null;
    return () => {
      unsubscribe();
      debouncer.cancel();
      if (poll) clearInterval(poll);
      seq.current++;
    };
  }, [run, kindsKey, opts.id, opts.pollMs, opts.debounceMs, ...deps]);

  return { data, error, loading, reload: run };
}
