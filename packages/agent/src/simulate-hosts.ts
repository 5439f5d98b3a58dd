import { FakeDriver, type FakeDriverOptions } from '@kumo/driver-fake';
import { FakeVolumeManager } from './fake-volume-manager.ts';
import { FakeNetwork } from './fake-network.ts';
import { FakeImageStoreLink } from './fake-disk-contents.ts';
import { AgentClient, type AgentLogger } from './agent-client.ts';

export interface SimulatedHost { name: string; driver: FakeDriver; volumes: FakeVolumeManager; network: FakeNetwork; agent: AgentClient }

export interface SimulateOptions {
  serverUrl: string;
  /** Several servers: each host dials them in turn, starting at a different one (host j at j mod n), so they spread. */
  serverUrls?: string[];
  token: string;
  count: number;
  namePrefix?: string;
  cpus?: number;
  memoryMiB?: number;
  delays?: FakeDriverOptions['delays'];
  log?: AgentLogger;
  /** How many agents dial at once (a thousand at a time is fine; this keeps the start gentle). */
  connectBatch?: number;
  /** Metric sampling of every simulated host (default: every 10 s; false: off). */
  metrics?: { intervalMs?: number } | false;
}

/** N fake hosts in this process, each a real agent on its own WebSocket to the server. */
export async function simulateHosts(opts: SimulateOptions): Promise<SimulatedHost[]> {
  const hosts: SimulatedHost[] = [];
  const prefix = opts.namePrefix ?? 'sim';
  const batch = opts.connectBatch ?? 100;
  for (let i = 0; i < opts.count; i += batch) {
    const group: SimulatedHost[] = [];
    for (let j = i; j < Math.min(i + batch, opts.count); j++) {
      const name = `${prefix}-${String(j).padStart(4, '0')}`;
      const driver = new FakeDriver({ hostname: name, cpus: opts.cpus ?? 32, memoryMiB: opts.memoryMiB ?? 131072, ...(opts.delays ? { delays: opts.delays } : {}) });
      const volumes = new FakeVolumeManager(`/var/lib/kumo/sim/${name}`);
      const network = new FakeNetwork();
      const agent = new AgentClient({
        serverUrl: opts.serverUrl, token: opts.token, ...(opts.serverUrls?.length ? { serverUrls: rotate(opts.serverUrls, j) } : {}), hostName: name, address: `198.18.${Math.floor(j / 250)}.${(j % 250) + 1}`,
        driver, volumes, network, ...(opts.log ? { log: opts.log } : {}), ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}),
      });
      volumes.linkImageStore(new FakeImageStoreLink(opts.serverUrl, () => agent.currentToken()));
      agent.start();
      group.push({ name, driver, volumes, network, agent });
    }
    await Promise.all(group.map((h) => h.agent.connected()));
    hosts.push(...group);
  }
  return hosts;
}

function rotate(urls: string[], by: number): string[] {
  const at = by % urls.length;
  return [...urls.slice(at), ...urls.slice(0, at)];
}
