/**
 * The `--hosts N` part of `kumo up`: before the server starts, the namespace network (the server
 * listens on its bridge so every host reaches it); after, the agents, waiting until all N hosts are
 * up, and the zone's networks (VXLAN over the hosts' eth0, routers' public side on each host's
 * public bridge, joined to this machine's).
 */
import type { KumoClient } from '@kumo/api';
import { CliError } from '@kumo/cli';
import { ensureNamespaceHosts } from '@kumo/netcfg/namespace-hosts';
import { waitFor } from '@kumo/netcfg/testbed';
import { applyLocalPublicNetwork } from '../local-network/local-public-network-apply.ts';
import { defaultLocalPublicNetwork } from '../local-network/local-public-network.ts';
import { ensureLocalCloudNetwork } from '../local-network/local-cloud-network.ts';
import { NAMESPACE_HOST_UNDERLAY_DEVICE } from '@kumo/netcfg/namespace-hosts';
import { planLocalHosts, type LocalHostsPlan } from './local-hosts-plan.ts';
import { startLocalHosts, type LocalHosts } from './local-hosts.ts';

/** The plan and the address the server must listen on; creates (or repairs) the namespace network. */
export async function prepareLocalHosts(o: { count: number; dataDir: string; port: number; listen: string }): Promise<{ plan: LocalHostsPlan; listen: string }> {
  const plan = planLocalHosts({ count: o.count, dataDir: o.dataDir, node: [process.execPath, ...process.execArgv], mainScript: new URL('../main.ts', import.meta.url).pathname, serverPort: o.port });
  let listen = o.listen;
  if (listen === '127.0.0.1') listen = plan.network.bridgeIp; // the default: where both this machine and the hosts reach it
  else if (listen !== '0.0.0.0' && listen !== plan.network.bridgeIp) {
    throw new CliError(`--listen: with --hosts the hosts reach the server at ${plan.network.bridgeIp}; listen there (the default) or on 0.0.0.0, not ${listen}`);
  }
  await ensureNamespaceHosts(plan.network);
  return { plan, listen };
}

export interface UpLocalHostsResult { hosts: LocalHosts; hostsLine: string; networkLine?: string }

export async function upLocalHosts(plan: LocalHostsPlan, o: { client: KumoClient; joinToken: string; zoneId: string; network: boolean; timeoutMs?: number }): Promise<UpLocalHostsResult> {
  const pub = defaultLocalPublicNetwork;
  if (o.network) applyLocalPublicNetwork(pub);
  const hosts = await startLocalHosts(plan, { joinToken: o.joinToken, ...(o.network ? { publicBridge: pub.bridge } : {}) });
  const names = plan.agents.map((a) => a.name);
  try {
    await waitFor(async () => {
      const up = (await o.client.listAll<{ name: string; state: string }>('hosts')).filter((h) => names.includes(h.name) && h.state === 'up');
      return up.length === names.length;
    }, { timeoutMs: o.timeoutMs ?? 120_000, intervalMs: 500, what: `hosts ${names.join(', ')} to connect` });
  } catch (e) {
    const logs = plan.agents.map((a) => `--- ${a.name} (${a.logFile}):\n${hosts.logTail(a.name).slice(-1500)}`).join('\n');
    await hosts.stop();
    throw new CliError(`${(e as Error).message}\n${logs}`);
  }
  const result: UpLocalHostsResult = { hosts, hostsLine: `${names.length} QEMU hosts ${names.join(', ')} in network namespaces ${plan.agents.map((a) => a.netns).join(', ')} (underlay ${plan.network.subnet} on bridge ${plan.network.bridge}); agent logs in ${plan.agents[0]!.logFile.replace(/h1\/agent\.log$/, 'h<i>/agent.log')}` };
  if (o.network) {
    const net = await ensureLocalCloudNetwork(o.client, o.zoneId, pub, NAMESPACE_HOST_UNDERLAY_DEVICE);
    result.networkLine = `network "default" (10.0.0.0/24, ${net.networkId}) with a router, VXLAN between the hosts over ${NAMESPACE_HOST_UNDERLAY_DEVICE}; public IPs ${pub.startIp}-${pub.endIp} on bridge ${pub.bridge}, NAT to the outside`;
  }
  return result;
}
