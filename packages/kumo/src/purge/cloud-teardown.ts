/**
 * The first half of `kumo down --purge`, while `kumo up` still runs: every instance and network is
 * deleted through the API, so the agent removes what each one had on the host the way it always does
 * (QEMU process, cgroups, taps, volumes; routers with their namespaces, daemons, bridges, nft tables).
 */
import type { KumoClient } from '@kumo/api';

export interface CloudTeardown {
  instanceIds: string[];
  networkIds: string[];
  routerIds: string[];
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Deletes every instance (waiting for each), then every network, then waits for their routers to go. */
export async function tearDownCloud(client: KumoClient, say: (line: string) => void, timeoutSec = 120): Promise<CloudTeardown> {
  const instances = await client.listAll<{ id: string; name: string }>('instances');
  await Promise.all(instances.map(async (i) => {
    await client.request('DELETE', `/api/v1/instances/${i.id}`, { query: { wait: true, waitTimeoutSec: timeoutSec } });
    say(`deleted instance ${i.name} (${i.id})`);
  }));
  const routerIds = (await client.listAll<{ id: string }>('routers')).map((r) => r.id);
  const networks = await client.listAll<{ id: string; name: string }>('networks');
  for (const n of networks) {
    await client.delete('networks', n.id);
    say(`deleted network ${n.name} (${n.id})`);
  }
  const deadline = Date.now() + timeoutSec * 1000;
  while ((await client.listAll('routers')).length > 0) {
    if (Date.now() > deadline) throw new Error(`routers still exist ${timeoutSec} s after their networks were deleted`);
    await settle(500);
  }
  return { instanceIds: instances.map((i) => i.id), networkIds: networks.map((n) => n.id), routerIds };
}
