import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { KumoClient } from '@kumo/api';
import { openDatabase, type DatabaseHandle, type Dialect } from '@kumo/db';
import { openTestDatabase } from '@kumo/db/testing';
import { buildServer, seedDefaultCloud, seedImage, type BuildServerOptions, type ControllerOptions, type KumoServer, type DefaultCloud } from '@kumo/server';
import { AgentClient, FakeVolumeManager, simulateHosts, type SimulatedHost } from '@kumo/agent';
import { SteppedSaveDriver } from '@kumo/agent/testing';
import type { DriverCapability } from '@kumo/core';
import { fakeLoads, type FakeDriverOptions, type FakeLoad } from '@kumo/driver-fake';

export interface TestCloud {
  server: KumoServer;
  url: string;
  client: KumoClient;
  adminToken: string;
  defaults: DefaultCloud;
  imageId: string;
  joinToken: string;
  hosts: SimulatedHost[];
  addHosts(n: number, prefix?: string): Promise<SimulatedHost[]>;
  /**
   * One more fake host whose saves take `steps` ticks of `tickMs`, reporting 1 MiB per tick
   * (SteppedSaveDriver), optionally with fewer capabilities than a fake host has.
   */
  addSteppedSaveHost(name: string, steps: number, tickMs: number, capabilities?: readonly DriverCapability[]): Promise<SteppedSaveDriver>;
  /** What a fake guest consumes (its metrics follow): finds the simulated host the instance runs on. */
  setInstanceLoad(instanceId: string, load: Partial<FakeLoad>): Promise<void>;
  close(): Promise<void>;
}

export interface TestCloudOptions {
  hosts?: number;
  /** Server log level (default warn); benches printing JSON on stdout say 'error'. */
  logLevel?: string;
  dialect?: Dialect;
  cpus?: number;
  memoryMiB?: number;
  delays?: FakeDriverOptions['delays'];
  controller?: Partial<ControllerOptions>;
  /** Serve a built web console from this directory. */
  webRoot?: string;
  /** The server's metric options (retention, alerts, per-instance export). */
  metrics?: BuildServerOptions['metrics'];
  /** The simulated hosts' metric sampling (default: every 10 s; false: off). */
  sampling?: { intervalMs?: number } | false;
}

/**
 * A whole cloud in this process: the real server on a loopback port (SQLite or PostgreSQL), the
 * default zone/pod/cluster/offerings, an image, and N fake hosts as real agents over WebSocket.
 */
export async function startTestCloud(opts: TestCloudOptions = {}): Promise<TestCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kumo-cloud-'));
  const db: DatabaseHandle & { drop?: () => Promise<void> } = opts.dialect === 'postgres' ? await openTestDatabase('postgres') : await openDatabase({ dataDir });
  const server = await buildServer({ database: db, dataDir, logLevel: opts.logLevel ?? 'warn', controller: { heartbeatIntervalMs: 2000, ...opts.controller }, webRoot: opts.webRoot,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  const creds = await server.ctx.auth.bootstrapAdmin('admin-password-for-tests');
  if (!creds) throw new Error('fresh database expected');
  const client = new KumoClient({ baseUrl: url });
  const login = await client.request<{ token: string }>('POST', '/api/v1/auth/login', { body: { username: 'admin', password: creds.password } });
  client.setToken(login.token);
  const defaults = await seedDefaultCloud(server.ctx, 'fake');
  const { imageId } = await seedImage(server.ctx, 'tiny', { format: 'qcow2', sizeBytes: 0, sha256: createHash('sha256').update('').digest('hex') });
  const jt = await client.create<{ token: string }>('join-tokens', { clusterId: defaults.clusterId });
  await server.start();
  const hosts: SimulatedHost[] = [];
  const addHosts = async (n: number, prefix = `h${hosts.length}`) => {
    const added = await simulateHosts({
      serverUrl: url, token: jt.token, count: n, namePrefix: prefix, cpus: opts.cpus ?? 8, memoryMiB: opts.memoryMiB ?? 16384,
      ...(opts.delays ? { delays: opts.delays } : {}), ...(opts.sampling !== undefined ? { metrics: opts.sampling } : {}),
    });
    hosts.push(...added);
    return added;
  };
  if (opts.hosts) await addHosts(opts.hosts, 'host');
  const steppedAgents: AgentClient[] = [];
  const addSteppedSaveHost = async (name: string, steps: number, tickMs: number, capabilities?: readonly DriverCapability[]) => {
    const driver = new SteppedSaveDriver(name, steps, tickMs, capabilities);
    const agent = new AgentClient({ serverUrl: url, token: jt.token, hostName: name, address: '127.0.0.1', driver, volumes: new FakeVolumeManager(`/var/lib/kumo/${name}`) });
    agent.start();
    steppedAgents.push(agent);
    await agent.connected();
    return driver;
  };
  return {
    server, url, client, adminToken: login.token, defaults, imageId, joinToken: jt.token, hosts, addHosts, addSteppedSaveHost,
    async setInstanceLoad(instanceId, load) {
      const sim = hosts.find((h) => h.driver.host.guests.has(instanceId));
      if (!sim) throw new Error(`no simulated host runs ${instanceId}`);
      fakeLoads(sim.driver.host).set(instanceId, load);
      await Promise.resolve();
    },
    async close() {
      await Promise.all([...hosts.map((h) => h.agent.close()), ...steppedAgents.map((a) => a.close())]);
      await server.close();
      if (db.drop) await db.drop(); else await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Poll until `fn` returns a truthy value (for state that arrives over the wire). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
