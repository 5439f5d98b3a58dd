/**
 * API action names, derived from a route: what custom roles allow and deny, and what the policy
 * and the audit log call an action. `<noun>:<verb>`:
 * - collections: GET → list, POST → create (`instance:list`, `volume:create`);
 * - one resource: GET → show, PATCH/PUT → update, DELETE → delete (`instance:delete`);
 * - under a resource: the sub-path's words joined by '.', `:action` by its value; DELETE adds
 *   `.delete`, PATCH/PUT `.update` (`instance:stop`, `volume:attach`, `instance:cdrom.delete`).
 */
export interface RouteAction {
  /** The action name. */
  action: string;
  /** The URL's first segment under /api/v1 ('instances'). */
  collection: string;
  /** The resource id in the URL, when the route names one (`:id`). */
  id: string | undefined;
}

const singular = (w: string): string => (w.endsWith('ss') || !w.endsWith('s') ? w : w.slice(0, -1));

export function actionOf(method: string, routeUrl: string, params: Record<string, string | undefined>): RouteAction | null {
  if (!routeUrl.startsWith('/api/v1/')) return null;
  const segs = routeUrl.slice('/api/v1/'.length).split('/').filter((s) => s !== '');
  const collection = segs[0];
  if (collection === undefined || collection.startsWith(':')) return null;
  const noun = singular(collection);
  const id = segs[1] === ':id' ? params.id : undefined;
  const m = method.toUpperCase();
  if (segs.length === 1) return { action: `${noun}:${m === 'GET' || m === 'HEAD' ? 'list' : m === 'POST' ? 'create' : m === 'DELETE' ? 'delete' : 'update'}`, collection, id };
  if (segs.length === 2 && segs[1]!.startsWith(':')) return { action: `${noun}:${m === 'GET' || m === 'HEAD' ? 'show' : m === 'DELETE' ? 'delete' : m === 'POST' ? 'act' : 'update'}`, collection, id };
  const words = segs.slice(1).flatMap((s) => (s === ':action' ? [params.action ?? 'action'] : s.startsWith(':') ? [] : [s]));
  const verb = words.join('.') || 'act';
  const suffix = m === 'DELETE' ? '.delete' : m === 'PATCH' || m === 'PUT' ? '.update' : '';
  return { action: `${noun}:${verb}${suffix}`, collection, id };
}
