import { useState } from 'react';
import type { ListResponse, Query } from '@kumo/api';
import { client } from './kumo-client.ts';
import { useLiveResource, type LiveOptions } from './use-live-resource.ts';

/**
 * One page of a list resource with Next / Previous over the API's cursors (a stack of the
 * cursors that led here), live-reloaded. Changing the query starts again at page 1.
 */
export function usePagedList<T>(resource: string, query: Query, opts: LiveOptions & { limit?: number }) {
  const queryKey = `${resource}?${JSON.stringify(query)}`;
  const [state, setState] = useState<{ key: string; cursors: Array<string | undefined> }>({ key: queryKey, cursors: [undefined] });
  const cursors = state.key === queryKey ? state.cursors : [undefined];
  const cursor = cursors[cursors.length - 1];
  const res = useLiveResource<ListResponse<T>>(
    () => client.list<T>(resource, { ...query, limit: opts.limit ?? 20, cursor }),
    [queryKey, cursor],
    opts,
  );
  const nextCursor = res.data?.nextCursor ?? null;
  return {
    ...res,
    items: res.data?.items ?? [],
    page: cursors.length,
    hasPrev: cursors.length > 1,
    hasNext: nextCursor !== null,
    next: () => { if (nextCursor) setState({ key: queryKey, cursors: [...cursors, nextCursor] }); },
    prev: () => setState({ key: queryKey, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors }),
  };
}
