/**
 * `kumo up --hosts N`: this machine as N hosts h1..hN, each a network namespace (the namespace
 * hosts of @kumo/netcfg/namespace-hosts, prefix "kumo") running its own `kumo agent --driver qemu`
 * with its own state directory (and so its own local directory pool), underlay address and
 * router-namespace prefix. Pure: names, addresses and argv; local-hosts.ts makes them real.
 */
import { join } from 'node:path';
import { hostIndexes, planNamespaceHosts, type NamespaceHostsPlan } from '@kumo/netcfg/namespace-hosts';

export const LOCAL_HOSTS_PREFIX = 'kumo';
/** The hosts' underlay and management subnet (a private range no real network here uses). */
export const LOCAL_HOSTS_SUBNET = '10.252.0.0/24';
export const MAX_LOCAL_HOSTS = 9;
/** Each host namespace's public bridge, joined to this machine's public bridge by a veth. */
export const HOST_PUBLIC_BRIDGE_SUFFIX = 'pub';

export interface LocalHostsOptions {
  count: number;
  /** kumo up's data directory: host i keeps its state in <dataDir>/hosts/h<i>. */
  dataDir: string;
  /** The node executable and its arguments that load TypeScript (process.execPath, process.execArgv). */
  node: readonly string[];
  /** packages/kumo/src/main.ts. */
  mainScript: string;
  /** Port the server listens on, at the bridge address. */
  serverPort: number;
  /** Other names and addresses (tests beside a real `kumo up --hosts`): default "kumo", LOCAL_HOSTS_SUBNET. */
  prefix?: string;
  subnet?: string;
  /** Agent i's router namespaces are <routerBase><i>r-<id>: 1-5 of a-z 0-9, default "kumo". */
  routerBase?: string;
}

export interface LocalHostAgent {
  name: string;
  netns: string;
  address: string;
  stateDir: string;
  logFile: string;
  routerNetnsPrefix: string;
  /** Root-namespace end of the veth to the public bridge. */
  publicVeth: string;
  /** The agent's command line, to run inside `netns`; the join token is passed in the environment. */
  argv: string[];
}

export interface LocalHostsPlan {
  network: NamespaceHostsPlan;
  /** The shape of the agents' router/DHCP namespace names, for removal. */
  routerNetns: RegExp;
  /** <dataDir>/hosts/: every host's state; processes mentioning it are the hosts' (routers' daemons too). */
  hostsDir: string;
  /** Where the agents reach the server (the bridge address). */
  serverUrl: string;
  agents: LocalHostAgent[];
}

/** The names removal needs, for `kumo down` and a plain `kumo up` after a crashed `kumo up --hosts N`. */
export function localHostsPlanForRemoval(dataDir: string): LocalHostsPlan {
  return planLocalHosts({ count: 2, dataDir, node: [], mainScript: '', serverPort: 1 });
}

export function planLocalHosts(o: LocalHostsOptions): LocalHostsPlan {
  if (!Number.isInteger(o.count) || o.count < 2 || o.count > MAX_LOCAL_HOSTS) throw new Error(`--hosts: ${o.count} must be a whole number from 2 to ${MAX_LOCAL_HOSTS} (without --simulate)`);
  if (!Number.isInteger(o.serverPort) || o.serverPort < 1 || o.serverPort > 65535) throw new Error(`--port: ${o.serverPort} is not a TCP port`);
  const routerBase = o.routerBase ?? LOCAL_HOSTS_PREFIX;
  if (!/^[a-z][a-z0-9]{0,4}$/.test(routerBase)) throw new Error(`routerBase: "${routerBase}" must be 1-5 of a-z 0-9 starting with a letter`);
  const network = planNamespaceHosts({ prefix: o.prefix ?? LOCAL_HOSTS_PREFIX, indexes: hostIndexes(o.count, 1), subnet: o.subnet ?? LOCAL_HOSTS_SUBNET });
  const serverUrl = `http://${network.bridgeIp}:${o.serverPort}`;
  const agents = network.hosts.map((h) => {
    const stateDir = join(o.dataDir, 'hosts', h.name);
    const routerNetnsPrefix = `${routerBase}${h.index}r-`;
    return {
      name: h.name, netns: h.netns, address: h.underlayIp, stateDir, logFile: join(stateDir, 'agent.log'), routerNetnsPrefix,
      publicVeth: `${h.rootVeth}-${HOST_PUBLIC_BRIDGE_SUFFIX}`,
      argv: [...o.node, o.mainScript, '--server', serverUrl, 'agent', '--driver', 'qemu', '--name', h.name, '--address', h.underlayIp,
        '--state-dir', stateDir, '--netns-prefix', routerNetnsPrefix],
    };
  });
  return { network, routerNetns: new RegExp(`^${routerBase}\\d+r-`), hostsDir: `${join(o.dataDir, 'hosts')}/`, serverUrl, agents };
}
