import type { Host } from '@kumo/api';
import { useSession } from '../session-context.ts';
import { client } from './kumo-client.ts';
import { useLiveResource } from './use-live-resource.ts';

/** Hosts by id, for admins (others may not list hosts: empty). */
export function useHosts(): Map<string, Host> {
  const { isAdmin } = useSession();
  const r = useLiveResource(async () => (isAdmin ? client.listAll<Host>('hosts') : []), [isAdmin], { kinds: ['host'] });
  return new Map((r.data ?? []).map((h) => [h.id, h]));
}

/** Host id → name, for admins (others may not list hosts and see ids). */
export function useHostNames(): Map<string, string> {
  return new Map([...useHosts()].map(([id, h]) => [id, h.name]));
}
