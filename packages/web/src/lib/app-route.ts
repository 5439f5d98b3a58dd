/** The screens of the console and the paths they live at (history API routing). */
export type AppRoute =
  | { screen: 'dashboard' }
  | { screen: 'instances' }
  | { screen: 'instance-new' }
  | { screen: 'instance'; id: string }
  | { screen: 'networks' }
  | { screen: 'network'; id: string }
  | { screen: 'security-groups' }
  | { screen: 'hosts' }
  | { screen: 'host'; id: string }
  | { screen: 'images' }
  | { screen: 'offerings' }
  | { screen: 'keypairs' }
  | { screen: 'volumes' }
  | { screen: 'snapshots' }
  | { screen: 'operations' }
  | { screen: 'events' }
  | { screen: 'password' }
  | { screen: 'quota' }
  | { screen: 'usage' }
  | { screen: 'audit' }
  | { screen: 'domains' }
  | { screen: 'accounts' }
  | { screen: 'projects' }
  | { screen: 'not-found'; path: string };

const simple = ['instances', 'networks', 'security-groups', 'hosts', 'images', 'offerings', 'keypairs', 'volumes', 'snapshots', 'operations', 'events', 'password', 'quota', 'usage', 'audit', 'domains', 'accounts', 'projects'] as const;

export function parseRoute(pathname: string): AppRoute {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'dashboard')) return { screen: 'dashboard' };
  const [first, second] = parts;
  if (parts.length === 1) {
    const s = simple.find((x) => x === first);
    if (s) return { screen: s };
  }
  if (parts.length === 2 && first === 'instances' && second) {
    return second === 'new' ? { screen: 'instance-new' } : { screen: 'instance', id: second };
  }
  if (parts.length === 2 && first === 'networks' && second) return { screen: 'network', id: second };
  if (parts.length === 2 && first === 'hosts' && second) return { screen: 'host', id: second };
  return { screen: 'not-found', path: pathname };
}

export function routePath(r: AppRoute): string {
  switch (r.screen) {
    case 'dashboard': return '/';
    case 'instance-new': return '/instances/new';
    case 'instance': return `/instances/${encodeURIComponent(r.id)}`;
    case 'network': return `/networks/${encodeURIComponent(r.id)}`;
    case 'host': return `/hosts/${encodeURIComponent(r.id)}`;
    case 'not-found': return r.path;
    default: return `/${r.screen}`;
  }
}
