import type { Host } from '@kumo/api';
import { useSession } from '../session-context.ts';
import { client } from './kumo-client.ts';
import { useLiveResource } from './use-live-resource.ts';

/** Host id → name, for admins (others may not list hosts and see ids). */
export function useHostNames(): Map<string, string> {
  const { isAdmin } = useSession();
  const r = useLiveResource(async () => (isAdmin ? client.listAll<Host>('hosts') : []), [isAdmin], { kinds: ['host'] });
  return new Map((r.data ?? []).map((h) => [h.id, h.name]));
}
