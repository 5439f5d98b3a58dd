/**
 * The second half of `kumo down --purge`, once `kumo up` has stopped: whatever is still on the host
 * is found by where Kumo keeps it and removed — processes started from the data directory (guests,
 * router daemons, agents of namespace hosts), the namespace hosts, the local public bridge with its
 * NAT table, the per-instance cgroups and their `kumo` parent when empty, and the data directory.
 * Each step is independent and idempotent, so a second run after a partial one finishes the job.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { networkBridgeName, networkSegmentDeviceName, routerGuestVethName, routerNetnsName, routerPublicLinkName } from '@kumo/netcfg/network-names';
import { processGone } from '@kumo/netcfg/namespace-hosts';
import { waitFor } from '@kumo/netcfg/testbed';
import { removeLocalHosts } from '../local-hosts/local-hosts.ts';
import { localHostsPlanForRemoval } from '../local-hosts/local-hosts-plan.ts';
import { removeLocalPublicNetwork } from '../local-network/local-public-network-apply.ts';
import { defaultLocalPublicNetwork } from '../local-network/local-public-network.ts';

/** Pids of processes whose command line mentions `needle` (not this process). */
export function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

/** Instance ids with a QEMU state directory under the agent's state (a crash may have left them). */
function instanceDirs(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, 'agent', 'instances'));
  } catch {
    return [];
  }
}

/** The cgroup directories of `instanceIds` under the `kumo` parent (v1 controllers and v2), then the parent if empty. */
export function removeKumoCgroups(instanceIds: readonly string[], root = '/sys/fs/cgroup', parent = 'kumo'): string[] {
  const removed: string[] = [];
  const parents = [join(root, parent), ...['cpu', 'cpuacct', 'memory', 'pids', 'cpu,cpuacct'].map((c) => join(root, c, parent))];
  for (const p of [...new Set(parents)]) {
    if (!existsSync(p)) continue;
    for (const id of instanceIds) {
      try {
        rmdirSync(join(p, id));
        removed.push(join(p, id));
      } catch {
        // not there, or still has a process (reported by the caller's check)
      }
    }
    try {
      rmdirSync(p);
      removed.push(p);
    } catch {
      // other guests (another Kumo on this machine) still use it
    }
  }
  return removed;
}

/** The host links and router namespaces of deleted networks and routers, by Kumo's names for them. */
export function networkObjectNames(networkIds: readonly string[], routerIds: readonly string[]): { links: string[]; netns: string[] } {
  return {
    links: [
      ...networkIds.flatMap((n) => [networkBridgeName(n), networkSegmentDeviceName(n)]),
      ...routerIds.flatMap((r) => [routerGuestVethName(r), routerPublicLinkName(r)]),
    ],
    netns: routerIds.map((r) => routerNetnsName(r)),
  };
}

const ipLinks = (): string[] => (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as Array<{ ifname: string }>).map((l) => l.ifname);
const netnsNames = (): string[] => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n !== '');

/** Those of `names` still on the host. */
export function remainingNetworkObjects(names: { links: string[]; netns: string[] }): { links: string[]; netns: string[] } {
  const links = new Set(ipLinks());
  const netns = new Set(netnsNames());
  return { links: names.links.filter((l) => links.has(l)), netns: names.netns.filter((n) => netns.has(n)) };
}

export interface HostSweepOptions {
  dataDir: string;
  /** Instances the teardown deleted (their cgroups are removed if the agent left them). */
  instanceIds?: readonly string[];
  /** Networks and routers the teardown deleted: their links and namespaces are removed if still there. */
  networkIds?: readonly string[];
  routerIds?: readonly string[];
  /** Remove the single-host public bridge and NAT table (not when another `kumo up` uses them). */
  localPublicNetwork?: boolean;
}

export async function sweepHost(o: HostSweepOptions, say: (line: string) => void): Promise<void> {
  const strays = pidsMentioning(o.dataDir);
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitFor(() => strays.every(processGone), { timeoutMs: 10_000, what: `processes ${strays.join(', ')} to exit` });
  if (strays.length > 0) say(`killed ${strays.length} process(es) started from ${o.dataDir}: ${strays.join(', ')}`);
  const ids = [...new Set([...(o.instanceIds ?? []), ...instanceDirs(o.dataDir)])];
  const left = remainingNetworkObjects(networkObjectNames(o.networkIds ?? [], o.routerIds ?? []));
  for (const n of left.netns) execFileSync('ip', ['netns', 'del', n]);
  for (const l of left.links) {
    try {
      execFileSync('ip', ['link', 'del', l], { stdio: 'ignore' });
    } catch {
      // gone with its peer or namespace
    }
  }
  if (left.links.length + left.netns.length > 0) say(`removed what the agent had not removed yet: ${[...left.netns.map((n) => `namespace ${n}`), ...left.links].join(', ')}`);
  const hosts = await removeLocalHosts(localHostsPlanForRemoval(o.dataDir));
  if (hosts.length > 0) say(`removed namespace hosts: ${hosts.join(', ')}`);
  if (o.localPublicNetwork !== false) {
    const pub = removeLocalPublicNetwork(defaultLocalPublicNetwork);
    if (pub.length > 0) say(`removed ${pub.join(', ')}`);
  }
  const cgroups = removeKumoCgroups(ids);
  if (cgroups.length > 0) say(`removed cgroups: ${cgroups.join(', ')}`);
  rmSync(o.dataDir, { recursive: true, force: true });
  say(`removed the data directory ${o.dataDir}`);
}
