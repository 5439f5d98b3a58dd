import { hostname } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentClient, FakeVolumeManager, createLxcHost, createQemuHost, type AgentLogger } from '@kumo/agent';
import { FakeDriver } from '@kumo/driver-fake';

export interface LocalAgentOptions {
  serverUrl: string;
  /** Join token; ignored once the state directory holds a host token from an earlier join. */
  joinToken?: string | undefined;
  name?: string;
  address?: string;
  driver: 'qemu' | 'lxc' | 'fake';
  stateDir: string;
  log?: AgentLogger;
  /** Guest networking drift repair interval (QEMU hosts). */
  networkResyncMs?: number;
  /** Prefix of router/DHCP-server namespace names (QEMU hosts). */
  netnsPrefix?: string;
  /** Fake driver: how long a start takes (ms), for demos and failure tests. */
  fakeStartDelayMs?: number;
}

/** Start this machine's agent: QEMU (real guests), LXC (system containers) or the fake driver, remembering its host token. */
export function startLocalAgent(o: LocalAgentOptions): AgentClient {
  mkdirSync(o.stateDir, { recursive: true });
  const tokenFile = join(o.stateDir, 'host-token');
  const token = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : o.joinToken;
  if (!token) throw new Error('pass --token with a join token from `kumo host join-token`');
  const name = o.name ?? hostname();
  let agent: AgentClient;
  const common = {
    serverUrl: o.serverUrl, token, hostName: name, address: o.address ?? '127.0.0.1',
    saveHostToken: (t: string) => writeFileSync(tokenFile, `${t}\n`, { mode: 0o600 }),
    ...(o.log ? { log: o.log } : {}),
  };
  if (o.driver === 'qemu') {
    const host = createQemuHost({
      stateDir: o.stateDir, serverUrl: o.serverUrl, token: () => agent.currentToken(),
      ...(o.networkResyncMs !== undefined ? { networkResyncMs: o.networkResyncMs } : {}),
      ...(o.log ? { log: o.log } : {}),
      ...(o.netnsPrefix !== undefined ? { netnsPrefix: o.netnsPrefix } : {}),
    });
    agent = new AgentClient({ ...common, driver: host.driver, volumes: host.volumes, prepareStart: host.prepareStart, fetchIso: host.fetchIso, network: host.network });
  } else if (o.driver === 'lxc') {
    const host = createLxcHost({
      stateDir: o.stateDir, serverUrl: o.serverUrl, token: () => agent.currentToken(),
      ...(o.networkResyncMs !== undefined ? { networkResyncMs: o.networkResyncMs } : {}),
      ...(o.log ? { log: o.log } : {}),
      ...(o.netnsPrefix !== undefined ? { netnsPrefix: o.netnsPrefix } : {}),
    });
    agent = new AgentClient({ ...common, driver: host.driver, volumes: host.volumes, prepareStart: host.prepareStart, network: host.network });
  } else {
    agent = new AgentClient({ ...common, driver: new FakeDriver({ hostname: name, ...(o.fakeStartDelayMs ? { delays: { start: o.fakeStartDelayMs } } : {}) }), volumes: new FakeVolumeManager(join(o.stateDir, 'pools', 'local')) });
  }
  agent.start();
  return agent;
}

export const consoleLogger: AgentLogger = {
  info: (x, m) => process.stdout.write(`${m ?? ''} ${JSON.stringify(x)}\n`),
  warn: (x, m) => process.stderr.write(`warn: ${m ?? ''} ${JSON.stringify(x)}\n`),
  error: (x, m) => process.stderr.write(`error: ${m ?? ''} ${JSON.stringify(x)}\n`),
};
