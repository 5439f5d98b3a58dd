import type { Instance } from '@kumo/api';
import { client } from './kumo-client.ts';

/** Instance id → name for the instances of some NICs (an instance that cannot be read keeps its id). */
export async function instanceNamesOf(ids: Iterable<string>): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  const pairs = await Promise.all(unique.map(async (id) => {
    const inst = await client.get<Instance>('instances', id).catch(() => null);
    return [id, inst?.name ?? id] as const;
  }));
  return new Map(pairs);
}

/** id → name of any listed resource (networks, security groups). */
export function namesById(items: ReadonlyArray<{ id: string; name: string }>): Map<string, string> {
  return new Map(items.map((i) => [i.id, i.name]));
}
